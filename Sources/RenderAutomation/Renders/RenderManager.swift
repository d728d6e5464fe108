import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

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
    /// output buffers): the handles Lua holds keep their `RenderJob`, whose state, metadata and
    /// images stay readable, and nothing else needs it.
    public private(set) var jobs: [Int64: RenderJob] = [:]
    private var jobsByTask: [ObjectIdentifier: RenderJob] = [:]
    private lazy var driver: LuaFunction = try! runtime.state.load(RenderDriver.source, chunkName: "=render driver")
    /// How often the runtime-filled metadata (clock time, peak memory) is written while nothing
    /// else changes: every poll for 500 renders would be 500 writes a second.
    var metadataFlushInterval = 30.0

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

    /// Starts a render. Throws before anything starts for an unknown label (the message lists the
    /// known ones) or a missing scene file.
    @discardableResult
    public func start(_ request: Request) throws -> RenderJob {
        let prepared = try prepare(request)
        let id: Int64
        let workDir: String
        do {
            let recorder = try self.recorder
            id = try recorder.createRender(label: prepared.entry.label, renderer: prepared.entry.className,
                                           scene: request.scene, options: prepared.options)
            workDir = try recorder.makeWorkDir(id: id)
        } catch {
            throw StartError(description: "\(error)")
        }
        return launch(prepared, id: id, workDir: workDir)
    }

    /// Starts a render without making the loop wait for the database: `then` runs on the loop
    /// with the render once its row and work folder are recorded, or with why it could not
    /// start. `shouldLaunch` is asked then: false (the caller went away) records the render as
    /// stopped instead. The label and scene are checked at once (thrown).
    public func start(_ request: Request, shouldLaunch: @escaping () -> Bool = { true },
                      then: @escaping (Result<RenderJob, StartError>) -> Void) throws {
        let prepared = try prepare(request)
        let recorder: RenderRecorder
        do {
            recorder = try self.recorder
        } catch {
            throw StartError(description: "\(error)")
        }
        recorder.createRender(label: prepared.entry.label, renderer: prepared.entry.className,
                              scene: request.scene, options: prepared.options) { [weak self] created in
            guard let self else { return }
            switch created {
            case .failure(let error):
                then(.failure(StartError(description: "\(error)")))
            case .success(let (id, workDir)):
                guard shouldLaunch() else {
                    self.record { try $0.finish(id: id, state: .stopped, error: nil) }
                    return
                }
                then(.success(self.launch(prepared, id: id, workDir: workDir)))
            }
        }
    }

    /// A request checked and turned into the plugin's options.
    private struct Prepared {
        let request: Request
        let entry: RendererCatalog.Entry
        let options: LuaValue
    }

    private func prepare(_ request: Request) throws -> Prepared {
        runtime.discoverRenderers()
        guard let entry = runtime.renderers.entry(label: request.label) else {
            throw StartError(description: runtime.renderers.unknownLabelError(request.label))
        }
        guard Environment.fileExists(request.scene) else {
            throw StartError(description: "scene file not found: \(request.scene)")
        }
        if Environment.isDirectory(request.scene) {
            throw StartError(description: "scene is a directory, not a file: \(request.scene)")
        }
        let viewport: [String: LuaValue] = [
            "res_x": request.resolution.map { .int(Int64($0.x)) } ?? .nil,
            "res_y": request.resolution.map { .int(Int64($0.y)) } ?? .nil,
            "camera_path": request.cameraPath.map { .string($0) } ?? .nil,
            "rendersettings_path": request.renderSettingsPath.map { .string($0) } ?? .nil,
        ].filter { !$0.value.isNil }
        let options: LuaValue = .object(["plugin": .object(request.pluginOptions), "viewport": .object(viewport)])
        return Prepared(request: request, entry: entry, options: options)
    }

    /// The recorded render's driver task, polling from the next turn.
    private func launch(_ prepared: Prepared, id: Int64, workDir: String) -> RenderJob {
        let request = prepared.request
        let entry = prepared.entry
        let options = prepared.options
        let job = RenderJob(id: id, label: entry.label, className: entry.className, scene: request.scene, workDir: workDir)
        jobs[id] = job
        let context = RenderContext(job: job, manager: self)
        let state = runtime.state
        let task = runtime.scheduler.spawn(driver, name: "render \(id) (\(entry.label))", onFinish: { [unowned self] result in
            self.driverEnded(job, result)
        }) { L in
            state.push(object: context, on: L)
            entry.rendererClass.push(on: L)
            state.pushString(request.scene, on: L)
            try state.push(options, on: L)
            return 4
        }
        job.task = task
        jobsByTask[ObjectIdentifier(task)] = job
        if let timeout = request.timeout {
            job.timeoutTimer = runtime.scheduler.after(timeout) { [unowned self] in
                self.stop(job, reason: .timeout(timeout))
            }
        }
        return job
    }

    /// Asks the render to stop: its plugin's `stopBackgroundRender` runs at the next poll (now,
    /// if it is waiting for one).
    public func stop(_ job: RenderJob, reason: RenderJob.StopReason = .user) {
        guard !job.state.isEnded, job.stopReason == nil else { return }
        job.stopReason = reason
        wakePoll(job)
    }

    /// Queues a click for the plugin's `mouseClick(x, y)`.
    public func click(_ job: RenderJob, x: Double, y: Double) {
        guard !job.state.isEnded else { return }
        job.clicks.append((x, y))
        wakePoll(job)
    }

    func wakePoll(_ job: RenderJob) {
        if let timer = job.pollTimer { runtime.scheduler.cancelTimer(timer) }
        job.pollTimer = nil
        if let token = job.pollToken {
            job.pollToken = nil
            runtime.scheduler.resolve(token)
        }
    }

    /// Suspends the driver until the next poll is due, a process of the render exits, a stop
    /// is requested or a click arrives.
    func waitPoll(_ job: RenderJob, seconds: Double) -> Bool {
        if job.stopRequested || !job.clicks.isEmpty { return false }
        guard let token = runtime.scheduler.suspendCurrentTask() else { return false }
        job.pollToken = token
        job.pollTimer = runtime.scheduler.after(seconds) { [unowned self] in
            job.pollTimer = nil
            if job.pollToken == token { job.pollToken = nil }
            self.runtime.scheduler.resolve(token)
        }
        return true
    }

    // MARK: Updates from the plugin

    func updateImagePath(_ job: RenderJob, _ path: String) {
        job.imagePaths.append(path)
        record { try $0.appendImage(id: job.id, path: path) }
        job.notify(.image(path))
    }

    func updateMetadata(_ job: RenderJob, _ patch: [String: LuaValue]) {
        for (key, value) in patch {
            job.metadata[key] = value
            job.pluginKeys.insert(key)
        }
        fillRuntimeMetadata(job, force: true, extra: patch)
        job.notify(.metadata)
    }

    private var lastFlush: [Int64: Double] = [:]

    /// totalClockTime and peakMemory, unless the plugin sets them itself.
    func fillRuntimeMetadata(_ job: RenderJob, force: Bool, extra: [String: LuaValue] = [:]) {
        var patch = extra
        if !job.pluginKeys.contains("totalClockTime") {
            let clock = LuaValue.double((job.elapsed * 1000).rounded() / 1000)
            job.metadata["totalClockTime"] = clock
            patch["totalClockTime"] = clock
        }
        if !job.pluginKeys.contains("peakMemory") {
            let peak = job.processes.map { $0.peakRss(maxAge: force ? 0 : 5) }.max() ?? 0
            if peak > 0 {
                job.metadata["peakMemory"] = .int(Int64(peak))
                patch["peakMemory"] = .int(Int64(peak))
            }
        }
        let now = MonotonicClock.now()
        guard force || now - (lastFlush[job.id] ?? 0) >= metadataFlushInterval else { return }
        lastFlush[job.id] = now
        record { try $0.mergeMetadata(id: job.id, patch) }
    }

    private func record(_ write: (RenderRecorder) throws -> Void) {
        do {
            try write(try recorder)
        } catch {
            runtime.errorReporter("rscript: cannot record the render: \(error)")
        }
    }

    // MARK: Ending

    private func driverEnded(_ job: RenderJob, _ result: Result<[LuaValue], LuaError>) {
        if let timer = job.timeoutTimer { runtime.scheduler.cancelTimer(timer) }
        if let timer = job.pollTimer { runtime.scheduler.cancelTimer(timer) }
        var state: RenderState
        var error: String?
        switch result {
        case .success(let values):
            state = values.first == .string("stopped") ? .stopped : .finished
        case .failure(let luaError):
            if luaError.kind == .interrupted || job.stopReason == .interrupt {
                state = .stopped
            } else {
                state = .failed
                error = luaError.description
            }
        }
        if case .timeout(let seconds) = job.stopReason {
            state = .failed
            error = "render timed out after \(SecondsText.exact(seconds))" + (error.map { "\n" + $0 } ?? "")
        }
        if state == .finished, let killed = job.processes.first(where: { $0.diedOfUnexpectedSignal }) {
            state = .failed
            let lines = killed.tail(20)
            error = "\(killed.command.first ?? "renderer") was \(killed.exitStatus!)"
                + (lines.isEmpty ? "" : "; its last \(lines.count) log lines:\n" + lines.joined(separator: "\n"))
        }
        // The render ends only once its processes are gone.
        let leftovers = job.processes.filter { $0.exitStatus == nil }
        for process in leftovers { process.signalGroup(SIGKILL) }
        if leftovers.isEmpty {
            finalize(job, state: state, error: error)
            return
        }
        job.pendingEnd = (state, error, leftovers.count)
        let mailbox = runtime.scheduler.mailbox
        let id = job.id
        for process in leftovers {
            process.onExit { _ in
                mailbox.post { scheduler in
                    ScriptRuntime.of(scheduler.state)?.renders.leftoverExited(id)
                }
            }
        }
    }

    private func leftoverExited(_ id: Int64) {
        guard let job = jobs[id], let pending = job.pendingEnd else { return }
        if pending.processes > 1 {
            job.pendingEnd = (pending.state, pending.error, pending.processes - 1)
        } else {
            job.pendingEnd = nil
            finalize(job, state: pending.state, error: pending.error)
        }
    }

    func finalize(_ job: RenderJob, state: RenderState, error: String?) {
        guard !job.state.isEnded else { return }
        fillRuntimeMetadata(job, force: true)
        job.state = state
        job.error = error
        if let task = job.task { jobsByTask[ObjectIdentifier(task)] = nil }
        lastFlush[job.id] = nil
        record { try $0.finish(id: job.id, state: state, error: error) }
        let announce = {
            job.endAnnounced = true
            job.notify(.ended)
            let waiters = job.finishedWaiters
            job.finishedWaiters = []
            for waiter in waiters { waiter(job) }
            self.release(job)
        }
        if let recorder = try? recorder { recorder.whenWritten(announce) } else { announce() }
    }

    /// What an ended render no longer needs: its place in `jobs`, its processes' line buffers
    /// (up to 20,000 unread lines and a 1,000-line tail each), its driver task (and so the
    /// coroutine and the plugin object) and its observers. Its record stays as it was.
    private func release(_ job: RenderJob) {
        jobs[job.id] = nil
        for process in job.processes { process.releaseOutput() }
        job.task = nil
        job.observers = []
        job.clicks = []
    }
}
