/// A `--persistent` frame render as its Lua side (`rscript/internal/persistent_frames.lua`)
/// reports it through `rscript.internal.frames`: the plan, then each frame a client takes, its
/// samples, and how it ended. Prints the `--json` events of a chunked render (`FrameEventJSON`),
/// one chunk per frame, and records the render through a `PersistentFrameRecorder`; the human
/// lines stay the Lua side's. `end` settles the render whatever the Lua side got to report (it
/// may have failed, or been interrupted, with frames in flight).
///
/// Confined to the runtime's loop thread.
final class PersistentFrameProgress {
    /// One attempt at a frame, on a client.
    private struct Attempt {
        let run: Int
        let worker: Int
        let attempt: Int
        let log: String
        let startedAt: Double
    }

    /// The spec's frames, in order.
    let frames: [Int]
    let folder: String
    let pattern: String
    let json: Bool
    /// The render's database row (`skipped` and `workers` are filled in by the plan).
    private var row: FrameStore.NewRender
    let recorder: PersistentFrameRecorder?

    private(set) var skipped: [Int] = []
    /// The frames to render (not skipped), in order.
    private(set) var todo: [Int] = []
    private(set) var done: Set<Int> = []
    private(set) var failed: Set<Int> = []
    private var running: [Int: Attempt] = [:]
    private var nextRun = 1
    private var lastProgress: [Int: Double] = [:]
    private let startedAt = MonotonicClock.now()

    init(frames: [Int], folder: String, pattern: String, json: Bool, row: FrameStore.NewRender, recorder: PersistentFrameRecorder?) {
        self.frames = frames
        self.folder = folder
        self.pattern = pattern
        self.json = json
        self.row = row
        self.recorder = recorder
        todo = frames
    }

    /// The frames neither done nor failed (queued, rendering, or left by an interrupt).
    var notRendered: [Int] { todo.filter { !done.contains($0) && !failed.contains($0) } }

    // MARK: Reports of the Lua side

    /// The frames whose image is there are `skipped`; `workers` clients render the others.
    func plan(skipped: [Int], workers: Int) {
        let skip = Set(skipped)
        self.skipped = frames.filter { skip.contains($0) }
        todo = frames.filter { !skip.contains($0) }
        row.skipped = self.skipped.count
        row.workers = workers
        emit(FrameEventJSON.plan(frames: frames.count, render: todo.count, skipped: self.skipped, chunks: todo.map(Self.chunk),
                                 chunkSize: 1, workers: workers, output: folder, pattern: pattern))
        recorder?.planned(row, frames: todo)
    }

    /// Client `worker` (1-based; its Blender is `pid`, logging to `log`) took `frame`.
    func started(frame: Int, worker: Int, pid: Int32?, log: String, attempt: Int) {
        let run = nextRun
        nextRun += 1
        running[frame] = Attempt(run: run, worker: worker, attempt: attempt, log: log, startedAt: MonotonicClock.now())
        emit(FrameEventJSON.chunkStart(run: run, chunk: Self.chunk(frame), worker: worker, attempt: attempt, log: log, pid: pid))
        recorder?.started(frame: frame, worker: worker, pid: pid, log: log)
    }

    /// Blender is `percent` through `frame` (Cycles' samples).
    func progress(frame: Int, percent: Double) {
        guard json, let attempt = running[frame], FrameEventJSON.due(attempt.run, &lastProgress) else { return }
        emit(FrameEventJSON.progress(run: attempt.run, worker: attempt.worker, frame: frame, percent: percent))
    }

    /// `frame`'s image is at `path`.
    func finished(frame: Int, path: String) {
        guard let attempt = running.removeValue(forKey: frame) else { return }
        lastProgress[attempt.run] = nil
        done.insert(frame)
        let seconds = MonotonicClock.now() - attempt.startedAt
        emit(FrameEventJSON.frameDone(frame: frame, run: attempt.run, worker: attempt.worker, seconds: seconds, path: path,
                                      done: done.count, total: todo.count))
        emit(FrameEventJSON.chunkDone(run: attempt.run, chunk: Self.chunk(frame), seconds: seconds))
        recorder?.ended(frame: frame, state: "done", reason: nil)
    }

    /// `frame` was not rendered (`reason`); `retry`: it is queued again (its client's Blender
    /// died and is restarted).
    func failed(frame: Int, reason: String, retry: Bool) {
        guard let attempt = running.removeValue(forKey: frame) else { return }
        lastProgress[attempt.run] = nil
        if !retry { failed.insert(frame) }
        emit(FrameEventJSON.chunkFailed(run: attempt.run, chunk: Self.chunk(frame), attempt: attempt.attempt, reason: reason,
                                        frames: [frame], retry: retry, log: attempt.log))
        recorder?.ended(frame: frame, state: retry ? "retried" : "failed", reason: reason,
                        again: retry ? attempt.attempt + 1 : nil)
    }

    // MARK: The end

    /// Settles the render once the Lua side is over: `interrupted` after Ctrl-C, `finished` when
    /// it succeeded with every frame done, else `failed`. Frames still on a client (their
    /// Blenders are gone with the runtime) are reported `interrupted`, as the chunked renderer
    /// reports its running chunks; they stay in `notRendered`. Prints `end`, records it, and
    /// waits for the records to land.
    func end(interrupted: Bool, succeeded: Bool) -> FrameRender.State {
        for (frame, attempt) in running.sorted(by: { $0.key < $1.key }) {
            emit(FrameEventJSON.chunkFailed(run: attempt.run, chunk: Self.chunk(frame), attempt: attempt.attempt,
                                            reason: "interrupted", frames: [frame], retry: false, log: attempt.log))
        }
        running = [:]
        let state: FrameRender.State
        if interrupted {
            state = .interrupted
        } else {
            state = succeeded && failed.isEmpty && notRendered.isEmpty ? .finished : .failed
        }
        emit(FrameEventJSON.end(state: state, rendered: done.count, skipped: skipped.count, failed: failed.sorted(),
                                notRendered: notRendered, seconds: MonotonicClock.now() - startedAt, output: folder))
        recorder?.renderEnded(state: state, rendered: done.count, notRendered: notRendered + failed.sorted())
        return state
    }

    private func emit(_ event: [String: JSONValue]) {
        if json { FrameEventJSON.write(event) }
    }

    private static func chunk(_ frame: Int) -> FrameChunk { FrameChunk(first: frame, last: frame) }
}
