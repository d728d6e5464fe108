/// The `--json` event stream of a frame-range render, one object per line on stdout:
///
/// - `plan`: `frames` (all of the spec), `render` (to render), `skipped` (list), `chunks`
///   (list of `"5-7"`), `chunkSize`, `workers`, `output` (folder), `pattern`
/// - `chunkStart`: `run`, `chunk`, `first`, `last`, `step`, `frames`, `worker`, `attempt`,
///   `log`, `pid`; on Slurm also `slurmJob` (`12_3`) and `host`
/// - `progress`: `run`, `worker`, `frame`, `percent` (at most 4 a second per run)
/// - `frameDone`: `frame`, `run`, `worker`, `seconds`, `path`, `done`, `total`
/// - `chunkDone`: `run`, `chunk`, `seconds`
/// - `chunkFailed`: `run`, `chunk`, `attempt`, `reason`, `frames` (not rendered), `retry`, `log`
/// - `submit` (`--farm slurm`): `arrays` (Slurm job ids), `tasks`, `seconds` (sbatch included)
/// - `end`: `state` (finished, failed, interrupted), `rendered`, `skipped`, `failed` (list),
///   `notRendered` (list), `seconds`, `output`, `exitStatus` (0, 1, 130)
///
/// `--persistent` renders (`PersistentFrameProgress`) print the same events, built by the same
/// functions below, with one chunk per frame (a client takes one frame at a time), so a script
/// reads either stream the same way.
enum FrameEventJSON {
    static func emit(_ render: FrameRender, _ event: FrameRenderEvent, lastProgress: inout [Int: Double]) {
        let object: [String: JSONValue]
        switch event {
        case .planned:
            object = plan(frames: render.frames.count, render: render.frameCount, skipped: render.skipped,
                          chunks: render.planned, chunkSize: render.maxFramesPerChunk, workers: render.slots.count,
                          output: render.folder, pattern: render.pattern)
        case .chunkStarted(let run):
            var start = chunkStart(run: run.id, chunk: run.chunk, worker: run.slot, attempt: run.attempt,
                                   log: run.logPath, pid: run.execution?.processID)
            if let task = run.slurmTask {
                start["slurmJob"] = .string(task.jobName)
                if let host = task.host { start["host"] = .string(host) }
            }
            object = start
        case .progress(let run):
            guard due(run.id, &lastProgress) else { return }
            object = progress(run: run.id, worker: run.slot, frame: run.currentFrame, percent: run.percent)
        case .frameDone(let frame, let run, let seconds, let path):
            object = frameDone(frame: frame, run: run.id, worker: run.slot, seconds: seconds, path: path,
                               done: render.done.count, total: render.frameCount)
        case .chunkDone(let run):
            lastProgress[run.id] = nil
            object = chunkDone(run: run.id, chunk: run.chunk, seconds: run.elapsed)
        case .chunkFailed(let run, let reason, let frames, let retry):
            lastProgress[run.id] = nil
            object = chunkFailed(run: run.id, chunk: run.chunk, attempt: run.attempt, reason: reason, frames: frames,
                                 retry: retry, log: run.logPath)
        case .submitted(let arrays, let tasks, let seconds):
            object = ["event": "submit", "arrays": ints(arrays), "tasks": .int(Int64(tasks)), "seconds": .double(rounded(seconds))]
        case .ended:
            object = end(state: render.state, rendered: render.done.count, skipped: render.skipped.count,
                         failed: render.failed.sorted(), notRendered: render.notRendered, seconds: render.elapsed,
                         output: render.folder)
        }
        write(object)
    }

    // MARK: The events

    static func plan(frames: Int, render: Int, skipped: [Int], chunks: [FrameChunk], chunkSize: Int, workers: Int,
                     output: String, pattern: String) -> [String: JSONValue] {
        [
            "event": "plan", "frames": .int(Int64(frames)), "render": .int(Int64(render)), "skipped": ints(skipped),
            "chunks": .array(chunks.map { .string($0.description) }), "chunkSize": .int(Int64(chunkSize)),
            "workers": .int(Int64(workers)), "output": .string(output), "pattern": .string(pattern),
        ]
    }

    static func chunkStart(run: Int, chunk: FrameChunk, worker: Int, attempt: Int, log: String, pid: Int32?) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "event": "chunkStart", "run": .int(Int64(run)), "chunk": .string(chunk.description),
            "first": .int(Int64(chunk.first)), "last": .int(Int64(chunk.last)), "step": .int(Int64(chunk.step)),
            "frames": ints(chunk.frames), "worker": .int(Int64(worker)), "attempt": .int(Int64(attempt)),
            "log": .string(log),
        ]
        if let pid { object["pid"] = .int(Int64(pid)) }
        return object
    }

    static func progress(run: Int, worker: Int, frame: Int?, percent: Double?) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["event": "progress", "run": .int(Int64(run)), "worker": .int(Int64(worker))]
        if let frame { object["frame"] = .int(Int64(frame)) }
        if let percent { object["percent"] = .double(percent) }
        return object
    }

    static func frameDone(frame: Int, run: Int, worker: Int, seconds: Double, path: String, done: Int, total: Int) -> [String: JSONValue] {
        [
            "event": "frameDone", "frame": .int(Int64(frame)), "run": .int(Int64(run)), "worker": .int(Int64(worker)),
            "seconds": .double(rounded(seconds)), "path": .string(path), "done": .int(Int64(done)), "total": .int(Int64(total)),
        ]
    }

    static func chunkDone(run: Int, chunk: FrameChunk, seconds: Double) -> [String: JSONValue] {
        ["event": "chunkDone", "run": .int(Int64(run)), "chunk": .string(chunk.description), "seconds": .double(rounded(seconds))]
    }

    static func chunkFailed(run: Int, chunk: FrameChunk, attempt: Int, reason: String, frames: [Int], retry: Bool,
                            log: String) -> [String: JSONValue] {
        [
            "event": "chunkFailed", "run": .int(Int64(run)), "chunk": .string(chunk.description),
            "attempt": .int(Int64(attempt)), "reason": .string(reason), "frames": ints(frames),
            "retry": .bool(retry), "log": .string(log),
        ]
    }

    static func end(state: FrameRender.State, rendered: Int, skipped: Int, failed: [Int], notRendered: [Int],
                    seconds: Double, output: String) -> [String: JSONValue] {
        [
            "event": "end", "state": .string(state.rawValue), "rendered": .int(Int64(rendered)),
            "skipped": .int(Int64(skipped)), "failed": ints(failed), "notRendered": ints(notRendered),
            "seconds": .double(rounded(seconds)), "output": .string(output),
            "exitStatus": .int(Int64(exitStatus(state))),
        ]
    }

    /// The exit status of `rscript render --frames` for a render that ended in `state`.
    static func exitStatus(_ state: FrameRender.State) -> Int32 {
        switch state {
        case .finished: return 0
        case .interrupted: return 130
        default: return 1
        }
    }

    /// Whether a `progress` event of run `id` may go out now (at most 4 a second per run).
    static func due(_ id: Int, _ lastProgress: inout [Int: Double]) -> Bool {
        let now = MonotonicClock.now()
        guard now - (lastProgress[id] ?? 0) >= 0.25 else { return false }
        lastProgress[id] = now
        return true
    }

    static func write(_ object: [String: JSONValue]) {
        writeAll(1, JSONValue.object(object).jsonText + "\n")
    }

    private static func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int(Int64($0)) }) }

    private static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// `1-3,7,9-11` (sorted runs of consecutive frames), for messages.
    static func ranges(_ frames: [Int]) -> String {
        let sorted = Array(Set(frames)).sorted()
        guard !sorted.isEmpty else { return "none" }
        return FrameChunking.runs(sorted, steps: Array(repeating: 1, count: sorted.count)).map(\.description).joined(separator: ",")
    }
}
