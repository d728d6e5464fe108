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
        defer { runtime.processes.removeDefaultLogs() }
        defer { runtime.closePools() }  // first: the workers' logs go with the folder
        if outcome == .success, case .file(let path) = source, runtime.state.globalFunction("registerBackgroundRenderers") != nil {
            return renderWithScriptRenderers(runtime, file: path, arguments: arguments)
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

    /// `rscript run my_renderer.lua SCENE [--renderer L] [--res WxH] [--camera P] [--option K=V]...
    /// [--timeout S] [--json] [--db PATH]`: the script registered renderers and left nothing
    /// running, so render SCENE with one of them.
    static func renderWithScriptRenderers(_ runtime: ScriptRuntime, file: String, arguments: [String]) -> Int32 {
        let usage = "usage: rscript run \(file) SCENE [--renderer LABEL] [--res WxH] [--camera PATH] [--rendersettings PATH] [--option KEY=VALUE]... [--timeout S] [--json] [--db PATH]"
        var scene: String?
        var label: String?
        var request = RenderManager.Request(label: "", scene: "")
        var json = false
        var database: String?
        var i = 0
        func value(_ flag: String) -> String? {
            i += 1
            guard i < arguments.count else {
                report("\(flag) needs a value\n\(usage)")
                return nil
            }
            return arguments[i]
        }
        while i < arguments.count {
            let argument = arguments[i]
            switch argument {
            case "--renderer": guard let v = value(argument) else { return 2 }; label = v
            case "--res":
                guard let v = value(argument) else { return 2 }
                guard let res = RenderManager.Request.parseResolution(v) else { report("--res must look like 640x480, got '\(v)'"); return 2 }
                request.resolution = res
            case "--camera": guard let v = value(argument) else { return 2 }; request.cameraPath = v
            case "--rendersettings": guard let v = value(argument) else { return 2 }; request.renderSettingsPath = v
            case "--option":
                guard let v = value(argument) else { return 2 }
                guard let (key, optionValue) = RenderManager.Request.parseOption(v) else { report("--option must look like KEY=VALUE, got '\(v)'"); return 2 }
                request.pluginOptions[key] = optionValue
            case "--timeout":
                guard let v = value(argument) else { return 2 }
                guard let t = Double(v), t > 0 else { report("--timeout must be a positive number of seconds"); return 2 }
                request.timeout = t
            case "--db": guard let v = value(argument) else { return 2 }; database = v
            case "--json": json = true
            default:
                if argument.hasPrefix("--") || scene != nil {
                    report("unexpected argument '\(argument)'\n\(usage)")
                    return 2
                }
                scene = argument
            }
            i += 1
        }
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
            report("\(file) registers \(labels.map { "'\($0)'" }.joined(separator: ", ")); give a scene to render\n\(usage)")
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
        session.json = json
        session.databasePath = database
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
