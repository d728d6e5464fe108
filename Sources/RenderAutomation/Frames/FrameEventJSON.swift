
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
///   `notRendered` (list), `seconds`, `output`
enum FrameEventJSON {
    static func emit(_ render: FrameRender, _ event: FrameRenderEvent, lastProgress: inout [Int: Double]) {
        var object: [String: JSONValue]
        switch event {
        case .planned:
            object = [
                "event": "plan", "frames": .int(Int64(render.frames.count)), "render": .int(Int64(render.frameCount)),
                "skipped": ints(render.skipped), "chunks": .array(render.planned.map { .string($0.description) }),
                "chunkSize": .int(Int64(render.maxFramesPerChunk)), "workers": .int(Int64(render.slots.count)),
                "output": .string(render.folder), "pattern": .string(render.pattern),
            ]
        case .chunkStarted(let run):
            object = [
                "event": "chunkStart", "run": .int(Int64(run.id)), "chunk": .string(run.chunk.description),
                "first": .int(Int64(run.chunk.first)), "last": .int(Int64(run.chunk.last)), "step": .int(Int64(run.chunk.step)),
                "frames": ints(run.chunk.frames), "worker": .int(Int64(run.slot)), "attempt": .int(Int64(run.attempt)),
                "log": .string(run.logPath),
            ]
            if let pid = run.execution?.processID { object["pid"] = .int(Int64(pid)) }
            if let task = run.slurmTask {
                object["slurmJob"] = .string(task.jobName)
                if let host = task.host { object["host"] = .string(host) }
            }
        case .progress(let run):
            let now = MonotonicClock.now()
            guard now - (lastProgress[run.id] ?? 0) >= 0.25 else { return }
            lastProgress[run.id] = now
            object = ["event": "progress", "run": .int(Int64(run.id)), "worker": .int(Int64(run.slot))]
            if let frame = run.currentFrame { object["frame"] = .int(Int64(frame)) }
            if let percent = run.percent { object["percent"] = .double(percent) }
        case .frameDone(let frame, let run, let seconds, let path):
            object = [
                "event": "frameDone", "frame": .int(Int64(frame)), "run": .int(Int64(run.id)), "worker": .int(Int64(run.slot)),
                "seconds": .double(rounded(seconds)), "path": .string(path),
                "done": .int(Int64(render.done.count)), "total": .int(Int64(render.frameCount)),
            ]
        case .chunkDone(let run):
            lastProgress[run.id] = nil
            object = ["event": "chunkDone", "run": .int(Int64(run.id)), "chunk": .string(run.chunk.description),
                      "seconds": .double(rounded(run.elapsed))]
        case .chunkFailed(let run, let reason, let frames, let retry):
            lastProgress[run.id] = nil
            object = [
                "event": "chunkFailed", "run": .int(Int64(run.id)), "chunk": .string(run.chunk.description),
                "attempt": .int(Int64(run.attempt)), "reason": .string(reason), "frames": ints(frames),
                "retry": .bool(retry), "log": .string(run.logPath),
            ]
        case .submitted(let arrays, let tasks, let seconds):
            object = ["event": "submit", "arrays": ints(arrays), "tasks": .int(Int64(tasks)), "seconds": .double(rounded(seconds))]
        case .ended:
            object = [
                "event": "end", "state": .string(render.state.rawValue), "rendered": .int(Int64(render.done.count)),
                "skipped": .int(Int64(render.skipped.count)), "failed": ints(render.failed.sorted()),
                "notRendered": ints(render.notRendered), "seconds": .double(rounded(render.elapsed)),
                "output": .string(render.folder),
            ]
        }
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
