import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// What `rscript run` and `rscript -e` do, apart from parsing: build a runtime, run the code,
/// report a failure as `rscript: file:line: message` plus a traceback, and give the exit code.
public enum ScriptLauncher {
    public enum Source {
        case file(String)
        case standardInput
        case code(String)
    }

    /// `renderArguments` reads what follows a script that registers background renderers.
    public static func run(_ source: Source, arguments: [String], options baseOptions: RuntimeOptions,
                           renderArguments: RenderArgumentParser? = nil) -> Int32 {
        var options = baseOptions
        options.handlesInterrupt = true
        if case .file(let path) = source, options.scriptDirectory == nil {
            options.scriptDirectory = Environment.directory(of: path)
        } else if options.scriptDirectory == nil {
            options.scriptDirectory = "."
        }
        let runtime: ScriptRuntime
        do {
            runtime = try ScriptRuntime(options: options)
        } catch {
            report("\(error)")
            return 1
        }
        let outcome: ScriptRuntime.Outcome
        switch source {
        case .file(let path):
            outcome = runtime.runFile(path, arguments: arguments)
        case .standardInput:
            outcome = runtime.runSource(readAll(fd: 0), chunkName: "=stdin", arguments: arguments)
        case .code(let code):
            outcome = runtime.runSource(Array(code.utf8), chunkName: "=(command line)", arguments: arguments)
        }
        fflush(nil)  // all C streams: Lua's print writes through stdout
        defer { runtime.processes.removeDefaultLogs() }
        defer { runtime.processes.killDetached() }  // after the pools: servers a script left open
        defer { runtime.closePools() }  // first: the workers' logs go with the folder
        if outcome == .success, case .file(let path) = source, runtime.state.globalFunction("registerBackgroundRenderers") != nil {
            return renderWithScriptRenderers(runtime, file: path, arguments: arguments, parser: renderArguments)
        }
        switch outcome {
        case .success:
            break
        case .failure(let error):
            report(error.kind == .file ? error.message : error.description)
        case .interrupted:
            report("interrupted")
        }
        if outcome == .success, let requested = runtime.requestedExitStatus { return requested }
        return outcome.exitCode
    }

    /// What follows a script that registers background renderers: the scene and how to render it.
    public struct ScriptRender {
        public var scene: String?
        public var label: String?
        public var request: RenderManager.Request
        public var json = false
        public var databasePath: String?
        /// The usage line to show when the scene is missing.
        public var usage: String
        public init(request: RenderManager.Request, usage: String) {
            self.request = request
            self.usage = usage
        }
    }

    /// Bad flags after such a script: `message` holds the error and the usage.
    public struct UsageError: Error {
        public var message: String
        public init(message: String) { self.message = message }
    }

    /// Reads a script's arguments as a `ScriptRender` (the CLI's flag parser).
    public typealias RenderArgumentParser = ([String]) -> Result<ScriptRender, UsageError>

    /// `rscript run my_renderer.lua SCENE [--renderer L] [--res WxH] [--camera P] [--option K=V]...
    /// [--timeout S] [--json] [--db PATH]`: the script registered renderers and left nothing
    /// running, so render SCENE with one of them.
    static func renderWithScriptRenderers(_ runtime: ScriptRuntime, file: String, arguments: [String], parser: RenderArgumentParser?) -> Int32 {
        guard let parser else {
            report("\(file) registers background renderers, and this command cannot render them")
            return 2
        }
        let render: ScriptRender
        switch parser(arguments) {
        case .success(let parsed): render = parsed
        case .failure(let error):
            report(error.message)
            return 2
        }
        var request = render.request
        let scene = render.scene
        let label = render.label
        let registered: Bool
        do {
            registered = try runtime.registerScriptRenderers(file: file)
        } catch {
            report("\(error)")
            return 1
        }
        let labels = runtime.renderers.labels
        guard registered, !labels.isEmpty else {
            report("\(file) defines registerBackgroundRenderers but registered no renderer")
            return 1
        }
        guard let scene else {
            report("\(file) registers \(labels.map { "'\($0)'" }.joined(separator: ", ")); give a scene to render\n\(render.usage)")
            return 2
        }
        if let label {
            guard labels.contains(label) else { report(runtime.renderers.unknownLabelError(label)); return 1 }
            request.label = label
        } else if labels.count == 1 {
            request.label = labels[0]
        } else {
            report("\(file) registers several renderers (\(labels.map { "'\($0)'" }.joined(separator: ", "))); pick one with --renderer")
            return 2
        }
        request.scene = scene
        // The script's own renderers only: no plugin discovery.
        runtime.renderers.discovered = true
        var session = RenderSession(request: request)
        session.json = render.json
        session.databasePath = render.databasePath
        return session.run(in: runtime)
    }

    static func report(_ message: String) {
        StandardError.write("rscript: " + message + "\n")
    }

    static func readAll(fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                result.append(contentsOf: buffer[0..<n])
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return result
    }
}
