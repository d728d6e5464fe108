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

    public static func run(_ source: Source, arguments: [String], options baseOptions: RuntimeOptions) -> Int32 {
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
        switch outcome {
        case .success:
            break
        case .failure(let error):
            report(error.kind == .file ? error.message : error.description)
        case .interrupted:
            report("interrupted")
        }
        return outcome.exitCode
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
