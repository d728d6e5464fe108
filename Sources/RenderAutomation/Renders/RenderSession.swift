import LuaBridge

/// One render from the command line (`rscript render`, or `rscript run plugin.lua SCENE`):
/// start it, show progress, wait, and turn the outcome into an exit code.
public struct RenderSession {
    public var request: RenderManager.Request
    public var json = false
    /// nil: the default gallery database; "" keeps renders in memory only.
    public var databasePath: String?

    public init(request: RenderManager.Request) { self.request = request }

    /// 0 finished, 1 failed (or could not start), 2 stopped, 130 after Ctrl-C.
    public func run(in runtime: ScriptRuntime) -> Int32 {
        do {
            if databasePath == "" {
                runtime.renders.record(with: MemoryRenderRecorder())
            } else {
                let path = databasePath ?? GalleryStore.defaultPath()
                runtime.renders.record(with: GalleryRecorder(store: try GalleryStore(path: path), runtime: runtime))
            }
        } catch {
            StandardError.write("rscript: \(error)\n")
            return 1
        }
        runtime.discoverRenderers()
        for problem in runtime.renderers.loadErrors {
            StandardError.write("rscript: warning: skipped plugin: \(problem)\n")
        }
        let job: BackgroundRender
        do {
            job = try runtime.renders.start(request)
        } catch {
            StandardError.write("rscript: \(error)\n")
            return 1
        }
        RenderProgressPrinter.automatic(json: json).attach(job)
        runtime.scheduler.run(until: { job.endAnnounced || runtime.interruptReceived })
        if !job.state.isEnded || runtime.interruptReceived {
            // Ctrl-C: stopBackgroundRender runs, the processes go, then we exit. The stop hooks
            // run even when the interrupt already ended the render (it reached the driver while
            // it ran Lua): a plugin's `rscript.onStop` hook may have a farm job to cancel.
            runtime.runStopHooks()
            return 130
        }
        switch job.state {
        case .finished: return 0
        case .stopped: return runtime.interruptReceived ? 130 : 2
        default: return 1
        }
    }
}

extension RenderManager.Request {
    /// Parses `WxH`.
    public static func parseResolution(_ text: String) -> (x: Int, y: Int)? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let x = Int(parts[0]), let y = Int(parts[1]), x > 0, y > 0, x <= 65536, y <= 65536 else { return nil }
        return (x, y)
    }

    /// Parses `KEY=VALUE` (VALUE as a number or boolean when it reads as one).
    public static func parseOption(_ text: String) -> (String, LuaValue)? {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { return nil }
        let key = String(text[..<eq])
        let raw = String(text[text.index(after: eq)...])
        if let i = Int64(raw) { return (key, .int(i)) }
        if let d = Double(raw), raw.contains(".") { return (key, .double(d)) }
        if raw == "true" { return (key, .bool(true)) }
        if raw == "false" { return (key, .bool(false)) }
        return (key, .string(raw))
    }
}
