#if canImport(Glibc)
import Glibc
#endif

/// A frame-range render from the command line (`rscript render SCENE --frames SPEC ...`):
/// plan, show progress, wait, and turn the outcome into an exit code.
public struct FrameRenderSession {
    public var request: FrameRenderRequest
    public var json = false
    /// The database that records the chunks: nil for the default (the gallery's), "" for none.
    public var databasePath: String?

    public init(request: FrameRenderRequest) { self.request = request }

    /// The default `--workers`: the number of processors online.
    public static var defaultWorkers: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// 0 when every frame is rendered (or was already), 1 when some are not (or nothing could
    /// start: the error is printed and no process was started), 130 after Ctrl-C (the renderers
    /// get SIGTERM, then SIGKILL, and are gone before this returns).
    public func run(in runtime: ScriptRuntime) -> Int32 {
        runtime.discoverRenderers()
        for problem in runtime.renderers.loadErrors {
            StandardError.write("rscript: warning: skipped plugin: \(problem)\n")
        }
        let render: FrameRender
        do {
            render = try FrameRender(runtime: runtime, request: request)
        } catch {
            StandardError.write("rscript: \(error)\n")
            return 1
        }
        // A folder or another program's file is refused now; the database itself is opened and
        // written off the loop, so another process's lock delays the records, not the render.
        var recorder: FrameRecorder?
        if databasePath != "" {
            do {
                recorder = try FrameRecorder(path: databasePath ?? GalleryStore.defaultPath(), runtime: runtime)
            } catch {
                StandardError.write("rscript: \(error)\n")
                return 1
            }
            recorder?.attach(render)
        }
        FrameProgressPrinter.automatic(json: json).attach(render)
        render.start()
        runtime.scheduler.run(until: { render.isEnded || runtime.interruptReceived })
        if runtime.interruptReceived {
            // Ctrl-C: Lua calls must run again while the renderers are stopped.
            runtime.state.clearInterrupt()
            render.interrupt()
            runtime.scheduler.run(until: { render.isEnded })
            recorder?.waitUntilWritten()
            runtime.runStopHooks()
            return 130
        }
        recorder?.waitUntilWritten()
        return render.state == .finished ? 0 : 1
    }
}
