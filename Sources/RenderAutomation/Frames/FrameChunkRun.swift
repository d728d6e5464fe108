import LuaBridge

/// One attempt at one chunk: the renderer process a worker slot runs for it, and what it has
/// reported so far. Lives on the runtime's loop thread.
public final class FrameChunkRun {
    /// Numbered from 1 in the order chunks start (a retry is a new run).
    public let id: Int
    public let chunk: FrameChunk
    /// 1 for the first try; a retry of the frames it left is attempt 2, and so on.
    public let attempt: Int
    /// The worker slot (1...workers); for a Slurm task, 0 until it starts on a node.
    public internal(set) var slot: Int
    public let logPath: String
    /// The chunk's scratch folder (the plugin's `self.workDir`), removed when the chunk ends.
    let workDir: String
    /// The plugin object of this run (nil when it could not be made).
    let instance: LuaTable?
    /// The local renderer process, or the Slurm array task.
    var execution: (any ChunkExecution)?
    var process: ManagedProcess? { execution as? ManagedProcess }
    var slurmTask: SlurmChunkTask? { execution as? SlurmChunkTask }
    /// CLOCK_MONOTONIC at start.
    public let startedAt: Double
    /// CLOCK_REALTIME at start: an image older than this was not written by this run.
    let startedWall: Double
    /// The frame the renderer reports working on, and how far (percent of that frame).
    public internal(set) var currentFrame: Int?
    public internal(set) var percent: Double?
    /// Frames of the chunk whose image is in place and whole.
    public internal(set) var done: Set<Int> = []
    /// Frames reported done whose image is not (yet) whole, with where the renderer wrote them.
    var pending: [Int: String] = [:]
    var lastDoneAt: Double

    /// A Slurm task started on its node: frame times count from now, not from the queue.
    func markStarted() { lastDoneAt = MonotonicClock.now() }
    var stalled = false
    var interrupted = false
    /// An error the plugin read from the renderer's output.
    var pluginError: String?
    var killTimer: Int?

    init(id: Int, chunk: FrameChunk, attempt: Int, slot: Int, logPath: String, workDir: String, instance: LuaTable?) {
        self.id = id
        self.chunk = chunk
        self.attempt = attempt
        self.slot = slot
        self.logPath = logPath
        self.workDir = workDir
        self.instance = instance
        startedAt = MonotonicClock.now()
        startedWall = wallClock()
        lastDoneAt = startedAt
    }

    public var elapsed: Double { MonotonicClock.now() - startedAt }

    /// The chunk's frames not done yet, in order.
    public var remaining: [Int] { chunk.frames.filter { !done.contains($0) } }

    /// The table `chunkCommand` gets: `{first=, last=, step=, frames={...}, count=, id=, attempt=,
    /// span={first=, last=}}`.
    func luaChunk(span: (first: Int, last: Int)) -> LuaValue {
        Self.luaChunk(chunk, id: id, attempt: attempt, span: span)
    }

    static func luaChunk(_ chunk: FrameChunk, id: Int, attempt: Int, span: (first: Int, last: Int)) -> LuaValue {
        .object([
            "first": .int(Int64(chunk.first)), "last": .int(Int64(chunk.last)), "step": .int(Int64(chunk.step)),
            "frames": .array(chunk.frames.map { .int(Int64($0)) }), "count": .int(Int64(chunk.count)),
            "id": .int(Int64(id)), "attempt": .int(Int64(attempt)),
            "span": .object(["first": .int(Int64(span.first)), "last": .int(Int64(span.last))]),
        ])
    }
}

/// What a frame-range render tells its observers (the progress printer), on the loop thread.
public enum FrameRenderEvent {
    case planned
    case chunkStarted(FrameChunkRun)
    /// The run's current frame or percent changed.
    case progress(FrameChunkRun)
    case frameDone(frame: Int, run: FrameChunkRun, seconds: Double, path: String)
    case chunkDone(FrameChunkRun)
    /// `frames` were not rendered; `retry` tells whether they are queued again.
    case chunkFailed(FrameChunkRun, reason: String, frames: [Int], retry: Bool)
    /// `--farm slurm`: a batch of chunk attempts went to Slurm as these arrays, in `seconds`.
    case submitted(arrays: [Int], tasks: Int, seconds: Double)
    case ended
}
