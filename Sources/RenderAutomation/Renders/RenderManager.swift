import LuaBridge

/// Runs background renders as tasks of one runtime: each render's plugin object is polled at its
/// own `pollFrequency`, woken at once when a process it started exits, stopped on request, on a
/// timeout or on Ctrl-C (through `stopBackgroundRender`), and recorded as it changes.
public final class RenderManager {
    unowned let runtime: ScriptRuntime
    /// Where renders are recorded: the gallery database (`$RSCRIPT_DB` or the default path),
    /// opened at the first render, unless set before.
    public var recorder: RenderRecorder {
        get throws {
            if let chosen { return chosen }
            // Opened on the recorder's writer thread at the first write, not here on the loop.
            let opened = GalleryRecorder(path: GalleryStore.defaultPath(), runtime: runtime)
            chosen = opened
            return opened
        }
    }
    private var chosen: RenderRecorder?

    /// Records renders with `recorder` from now on (a `MemoryRenderRecorder` in tests).
    public func record(with recorder: RenderRecorder) { chosen = recorder }
    /// The renders not yet ended. An ended render leaves it (and gives back its processes'
    /// output buffers): the handles Lua holds keep their `BackgroundRender`, whose state, metadata and
    /// images stay readable, and nothing else needs it.
    public internal(set) var jobs: [Int64: BackgroundRender] = [:]
    /// The render of each driver task (read by the process listeners, cleared at the end).
    var jobsByTask: [ObjectIdentifier: BackgroundRender] = [:]
    /// The render driver chunk (scripts/lib/rscript/internal/render_driver.lua), loaded by the
    /// first render.
    var loadedDriver: LuaFunction?
    /// How often the runtime-filled metadata (clock time, peak memory) is written while nothing
    /// else changes: every poll for 500 renders would be 500 writes a second.
    var metadataFlushInterval = 30.0
    /// When each render's runtime-filled metadata was last written (see fillRuntimeMetadata).
    var lastFlush: [Int64: Double] = [:]

    init(runtime: ScriptRuntime) {
        self.runtime = runtime
        RenderContext.register(in: runtime.state)
        runtime.processes.spawnListeners.append { [unowned self] process, task in
            guard let task, let job = self.jobsByTask[ObjectIdentifier(task)] else { return }
            job.processes.append(process)
            if job.processes.count == 1 {
                self.record { try $0.setLogPath(id: job.id, path: process.logPath) }
            }
        }
        runtime.processes.exitListeners.append { [unowned self] _, task in
            guard let task, let job = self.jobsByTask[ObjectIdentifier(task)] else { return }
            self.wakePoll(job)
        }
        runtime.onStopAsync { [unowned self] in
            let active = self.jobs.values.filter { !$0.state.isEnded }
            for job in active { self.stop(job, reason: .interrupt) }
            return { active.allSatisfy { $0.endAnnounced } }
        }
    }

    public struct StartError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// What to render, as `rscript render` and `gallery.startRender` take it.
    public struct Request {
        public var label: String
        public var scene: String
        public var resolution: (x: Int, y: Int)?
        public var cameraPath: String?
        public var renderSettingsPath: String?
        public var pluginOptions: [String: LuaValue] = [:]
        public var timeout: Double?

        public init(label: String, scene: String) {
            self.label = label
            self.scene = scene
        }
    }

    /// Asks the render to stop: its plugin's `stopBackgroundRender` runs at the next poll (now,
    /// if it is waiting for one).
    public func stop(_ job: BackgroundRender, reason: BackgroundRender.StopReason = .user) {
        guard !job.state.isEnded, job.stopReason == nil else { return }
        job.stopReason = reason
        wakePoll(job)
    }

    /// Queues a click for the plugin's `mouseClick(x, y)`.
    public func click(_ job: BackgroundRender, x: Double, y: Double) {
        guard !job.state.isEnded else { return }
        job.clicks.append((x, y))
        wakePoll(job)
    }

    func wakePoll(_ job: BackgroundRender) {
        if let timer = job.pollTimer { runtime.scheduler.cancelTimer(timer) }
        job.pollTimer = nil
        if let token = job.pollToken {
            job.pollToken = nil
            runtime.scheduler.resolve(token)
        }
    }

    /// How late a poll may come so that it shares the loop's wake-up with others: 1% of its
    /// period, at most 10 ms (500 renders polled each second then wake the loop at most 100
    /// times a second, not about 400). A process exit, a stop or a click still wakes it at once.
    static func pollTolerance(_ seconds: Double) -> Double { min(seconds * 0.01, 0.010) }

    /// Suspends the driver until the next poll is due, a process of the render exits, a stop
    /// is requested or a click arrives.
    func waitPoll(_ job: BackgroundRender, seconds: Double) -> Bool {
        if job.stopRequested || !job.clicks.isEmpty { return false }
        guard let token = runtime.scheduler.suspendCurrentTask() else { return false }
        job.pollToken = token
        job.pollTimer = runtime.scheduler.after(seconds, tolerance: Self.pollTolerance(seconds)) { [unowned self] in
            job.pollTimer = nil
            if job.pollToken == token { job.pollToken = nil }
            self.runtime.scheduler.resolve(token)
        }
        return true
    }
}
