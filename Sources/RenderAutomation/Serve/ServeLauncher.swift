import Foundation
import LuaBridge

/// What `rscript serve` does, apart from parsing: open the database, start the web server with
/// the built-in routes and the studio's handlers, and serve until Ctrl-C.
public enum ServeLauncher {
    public struct Options: Sendable {
        public var port = 8008
        public var address = "127.0.0.1"
        public var databasePath: String
        public var token: String?
        public var script: String?
        public var openBrowser = false

        public init(databasePath: String) { self.databasePath = databasePath }
    }

    /// The addresses served without a token (as the web server rules).
    static func isLoopback(_ address: String) -> Bool {
        ["127.0.0.1", "localhost", "::1"].contains(address)
    }

    /// A new random token, for a server on another address started without one.
    static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
    }

    public static func run(_ serve: Options, runtimeOptions: RuntimeOptions) -> Int32 {
        var serve = serve
        if serve.token == nil, let env = Environment.get("RSCRIPT_WEB_TOKEN"), !env.isEmpty { serve.token = env }
        if serve.token == nil && !isLoopback(serve.address) {
            serve.token = makeToken()
            StandardError.write("rscript serve: \(serve.address) is not loopback, so every request needs this token (it is in the URL below): \(serve.token!)\n")
        }
        if let script = serve.script, !FileManager.default.isReadableFile(atPath: script) {
            ScriptLauncher.report("cannot read the script \(script)")
            return 1
        }
        var options = runtimeOptions
        options.handlesInterrupt = true
        if options.scriptDirectory == nil {
            options.scriptDirectory = serve.script.map(Environment.directory(of:)) ?? "."
        }
        let routes: ServeRoutes
        let runtime: ScriptRuntime
        do {
            routes = try ServeRoutes(database: ServeDatabase(path: serve.databasePath))
            runtime = try ScriptRuntime(options: options)
        } catch {
            ScriptLauncher.report("\(error)")
            return 1
        }
        defer { routes.stop() }
        runtime.webServer.builtInRoutes = routes
        let outcome: ScriptRuntime.Outcome
        do {
            let chunk = try runtime.loadInternalChunk("serve", chunkName: "=rscript serve")
            outcome = runtime.runMain(chunk, arguments: [
                String(serve.port), serve.address, serve.token ?? "", serve.script ?? "", serve.databasePath,
                serve.openBrowser ? "1" : "",
            ])
        } catch {
            ScriptLauncher.report("\(error)")
            return 1
        }
        fflush(nil)
        defer { runtime.processes.removeDefaultLogs() }
        defer { runtime.processes.killDetached() }
        defer { runtime.closePools() }
        switch outcome {
        case .success: break
        case .failure(let error): ScriptLauncher.report(error.kind == .file ? error.message : error.description)
        case .interrupted: break  // Ctrl-C is how a server stops: 130, as for any script
        }
        return outcome.exitCode
    }
}
