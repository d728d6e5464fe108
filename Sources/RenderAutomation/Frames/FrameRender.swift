import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Renders a range of frames with a background-renderer plugin: the frames are cut into chunks,
/// each chunk is rendered by one renderer process, and up to `workers` chunks run at once; a
/// free worker slot takes the next chunk (a dynamic queue). Frames whose image is already whole
/// are skipped; a chunk that fails (or stalls) has its missing frames tried again.
///
/// Confined to the runtime's loop thread. `init` does every check and the plan and throws
/// before anything starts; `start()` starts the work, which goes on as the loop runs.
public final class FrameRender {
    public enum State: String, Sendable { case planned, rendering, finished, failed, interrupted }

    unowned let runtime: ScriptRuntime
    public let request: FrameRenderRequest
    let plugin: FramePlugin
    /// The output folder, the frame pattern (`<folder>/<scene>_####`), the chunk logs and the
    /// chunks' scratch folders.
    public let folder: String
    public let pattern: String
    public let logFolder: String
    let workFolder: String
    let options: LuaValue
    /// Where each frame's image goes (`framePath(pattern, frame)`).
    public private(set) var framePaths: [Int: String] = [:]
    /// The frames of the spec, in order, and those skipped because their image was whole.
    public let frames: [Int]
    public private(set) var skipped: [Int] = []
    public private(set) var planned: [FrameChunk] = []
    public private(set) var maxFramesPerChunk = 1
    public internal(set) var done: Set<Int> = []
    public internal(set) var failed: Set<Int> = []
    public private(set) var state: State = .planned
    /// Failures as they were reported (for the summary): the chunk, its attempt and the reason.
    public internal(set) var failures: [(run: FrameChunkRun, reason: String, final: Bool)] = []
    public var observers: [(FrameRender, FrameRenderEvent) -> Void] = []

    var queue: [(chunk: FrameChunk, attempt: Int)] = []
    public internal(set) var slots: [FrameChunkRun?]
    var runsByProcess: [ObjectIdentifier: FrameChunkRun] = [:]
    var nextRunID = 1
    var tickTimer: Int?
    var wasInterrupted = false
    var startedAt = MonotonicClock.now()
    /// Worker-seconds spent per frame done, summed (for the ETA).
    public internal(set) var frameSeconds = 0.0
    /// How often output is read and stalls are looked for (an exit is noticed at once).
    var tickInterval = 0.1
    /// `--farm slurm`: the arrays, and the runs submitted and not over (started on a node or not).
    var farm: SlurmFrameFarm?
    var farmRuns: [FrameChunkRun] = []
    var pollTimer: Int?

    /// Checks everything and plans the chunks; starts nothing. Throws `FrameRenderError` for an
    /// unknown renderer, a missing scene, a class without `chunkCommand`, an output folder that
    /// cannot be made, or a plugin that cannot make the first chunk's command (a bad option).
    public init(runtime: ScriptRuntime, request: FrameRenderRequest) throws {
        self.runtime = runtime
        self.request = request
        guard request.workers > 0 else { throw FrameRenderError("--workers must be 1 or more, got \(request.workers)") }
        guard request.retries >= 0 else { throw FrameRenderError("--retries must be 0 or more, got \(request.retries)") }
        runtime.discoverRenderers()
        guard let entry = runtime.renderers.entry(label: request.label) else {
            throw FrameRenderError(runtime.renderers.unknownLabelError(request.label))
        }
        guard Environment.fileExists(request.scene) else { throw FrameRenderError("scene file not found: \(request.scene)") }
        if Environment.isDirectory(request.scene) { throw FrameRenderError("scene is a directory, not a file: \(request.scene)") }
        do {
            plugin = try FramePlugin(entry: entry, runtime: runtime)
        } catch let error as LuaError {
            throw FrameRenderError("renderer '\(entry.label)': \(error)")
        }
        (folder, pattern) = try request.outputLayout()
        logFolder = folder + "/logs"
        workFolder = folder + "/.rscript-chunks"
        options = request.luaOptions
        frames = request.spec.frames
        slots = Array(repeating: nil, count: request.workers)
        if request.slurm != nil {
            // A render of this folder whose rscript died left its arrays running: they go first.
            let stale = SlurmFrameFarm.cancelStale(in: workFolder)
            if !stale.isEmpty {
                StandardError.write("rscript: cancelled Slurm array(s) \(stale.map(String.init).joined(separator: ",")) left running by an rscript that is gone\n")
            }
        }
        try plan()
        if let slurm = request.slurm {
            // Slurm throttles; the slots are the tasks running on nodes (more are added as needed).
            slots = Array(repeating: nil, count: max(1, min(slurm.throttle ?? planned.count, planned.count)))
            guard !planned.isEmpty else { return }
            do {
                farm = try SlurmFrameFarm(options: slurm, folder: workFolder + "/slurm-\(getpid())-\(Int(wallClock()))",
                                          jobName: "rscript:" + String(decoding: FSPath.basename(Array(request.scene.utf8)), as: UTF8.self),
                                          scene: Self.absolute(request.scene))
            } catch {
                throw FrameRenderError("--farm slurm: \(error)")
            }
        }
    }

    private func plan() throws {
        let probe: LuaTable
        let startup: Double
        do {
            probe = try plugin.instance(workDir: workFolder, id: 0, scene: request.scene)
            for frame in frames { framePaths[frame] = try plugin.framePath(probe, output: pattern, frame: frame) }
            startup = try plugin.startupSeconds(probe)
        } catch let error as LuaError {
            throw FrameRenderError("renderer '\(plugin.entry.label)': \(error)")
        }
        var todo: [Int] = []
        var steps: [Int] = []
        for (frame, step) in zip(frames, request.spec.steps) {
            if request.skipExisting, FrameImage.check(framePaths[frame]!).isValid {
                skipped.append(frame)
            } else {
                todo.append(frame)
                steps.append(step)
            }
        }
        (planned, maxFramesPerChunk) = FrameChunking.plan(
            todo, steps: steps, size: request.chunkSize, workers: request.workers, startupSeconds: startup)
        queue = planned.map { ($0, 1) }
        // A bad option shows now, before anything starts, rather than once per chunk.
        if let first = planned.first {
            let chunk = FrameChunkRun.luaChunk(first, id: 0, attempt: 1, span: request.spec.span)
            let spec: SpawnSpec
            do {
                spec = try plugin.command(probe, scene: request.scene, chunk: chunk, output: pattern, options: options)
            } catch {
                throw FrameRenderError("renderer '\(plugin.entry.label)': cannot render chunk \(first): \(error)")
            }
            if let program = spec.command.first, !Self.canRun(program) {
                throw FrameRenderError("renderer '\(plugin.entry.label)': cannot run '\(program)': "
                    + (program.contains("/") ? "no such executable" : "not found in PATH"))
            }
        }
        do {
            try FSFile.makeDirectories(Array(logFolder.utf8))
        } catch {
            throw FrameRenderError("cannot make the output folder: \(error)")
        }
    }

    /// Whether `program` names an executable file, itself or in `$PATH`.
    static func canRun(_ program: String) -> Bool {
        if program.contains("/") { return access(program, X_OK) == 0 }
        let path = Environment.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(program)", X_OK) == 0 }
    }

    /// The scene, as an absolute path.
    public var scenePath: String {
        (try? FSPath.absolute(Array(request.scene.utf8))).map { String(decoding: $0, as: UTF8.self) } ?? request.scene
    }

    /// Frames to render (not skipped).
    public var frameCount: Int { frames.count - skipped.count }
    public var isEnded: Bool { state == .finished || state == .failed || state == .interrupted }
    public var elapsed: Double { MonotonicClock.now() - startedAt }
    /// Chunk runs going on now.
    public var running: [FrameChunkRun] { slots.compactMap { $0 } }
    /// The frames neither done nor failed (queued, rendering, or left by an interrupt).
    public var notRendered: [Int] { frames.filter { !done.contains($0) && !failed.contains($0) && !skipped.contains($0) } }

    /// Average worker-seconds per frame so far (start-up included), or nil before the first.
    public var secondsPerFrame: Double? { done.isEmpty ? nil : frameSeconds / Double(done.count) }

    /// Starts the first chunks; the rest follows as the loop runs.
    public func start() {
        guard state == .planned else { return }
        state = .rendering
        startedAt = MonotonicClock.now()
        runtime.processes.exitListeners.append { [weak self] process, _ in self?.processExited(process) }
        notify(.planned)
        fillSlots()
        scheduleTick()
        if farm != nil { schedulePoll() }
        finishIfDone()
    }

    /// Ctrl-C: nothing more starts; the running renderers get SIGTERM, then SIGKILL after
    /// `grace` seconds. The render ends (`interrupted`) once they are all gone.
    public func interrupt(grace: Double = 3) {
        guard !isEnded else { return }
        wasInterrupted = true
        if state == .planned { state = .interrupted; return }
        queue.removeAll()
        if let farm {
            for run in farmRuns { run.interrupted = true }
            farm.cancelAll()
            finishIfDone()
            return
        }
        for run in running where !run.interrupted {
            run.interrupted = true
            guard let process = run.process else { continue }
            process.signalGroup(SIGTERM)
            run.killTimer = runtime.scheduler.after(grace) { process.signalGroup(SIGKILL) }
        }
        finishIfDone()
    }

    func notify(_ event: FrameRenderEvent) {
        for observer in observers { observer(self, event) }
    }

    private func scheduleTick() {
        tickTimer = runtime.scheduler.after(tickInterval) { [weak self] in
            guard let self else { return }
            self.tickTimer = nil
            self.tick()
            if !self.isEnded { self.scheduleTick() }
        }
    }

    /// Reads what the renderers printed, accepts finished images, and kills stalled renderers.
    private func tick() {
        let now = MonotonicClock.now()
        for run in running {
            ingest(run)
            verifyPending(run)
            if let stall = request.stallSeconds, let execution = run.execution, execution.exitStatus == nil, !run.stalled,
               !run.interrupted, now - max(execution.lastOutputAt, run.startedAt) > stall {
                run.stalled = true
                if let task = run.slurmTask { farm?.cancel(task) } else { run.process?.signalGroup(SIGKILL) }
            }
        }
    }

    func finishIfDone() {
        guard state == .rendering, queue.isEmpty, running.isEmpty, farmRuns.isEmpty else { return }
        if let tickTimer { runtime.scheduler.cancelTimer(tickTimer) }
        tickTimer = nil
        if let pollTimer { runtime.scheduler.cancelTimer(pollTimer) }
        pollTimer = nil
        if wasInterrupted {
            state = .interrupted
        } else {
            state = failed.isEmpty && notRendered.isEmpty ? .finished : .failed
        }
        // The Slurm job folder stays when something failed (the task files and Slurm's output).
        if let farm, state == .finished, Environment.get("RSCRIPT_SLURM_KEEP") == nil { removeTree(farm.folder) }
        removeFolderIfEmpty(workFolder)
        notify(.ended)
    }
}

extension FrameRender {
    /// `path` made absolute with realpath(3) (as it is when that fails: the node check then
    /// names it as given).
    static func absolute(_ path: String) -> String {
        guard !path.utf8.contains(0), let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
