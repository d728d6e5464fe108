/// A run of frames one renderer process renders: `first` to `last` every `step` frames.
/// Renderers take exactly this shape (POV-Ray `+SF +EF Frame_Step`, Blender `-s -e -j`).
public struct FrameChunk: Sendable, Equatable, CustomStringConvertible {
    public var first: Int
    public var last: Int
    public var step: Int

    public init(first: Int, last: Int, step: Int = 1) {
        precondition(step > 0 && last >= first && (last - first) % step == 0, "a chunk is first...last by step")
        self.first = first
        self.last = last
        self.step = step
    }

    public var frames: [Int] { Array(stride(from: first, through: last, by: step)) }
    public var count: Int { (last - first) / step + 1 }

    /// `5`, `5-7`, or `5-11x3`.
    public var description: String {
        if first == last { return "\(first)" }
        return step == 1 ? "\(first)-\(last)" : "\(first)-\(last)x\(step)"
    }
}

/// How the frames of a render are cut into chunks.
public enum FrameChunking {
    /// `--chunk K` (at most K frames per chunk, split evenly) or `--chunk auto`.
    public enum Size: Sendable, Equatable {
        case auto
        case frames(Int)

        /// Reads `auto` or a positive whole number.
        public init?(parsing text: String) {
            if text.lowercased() == "auto" { self = .auto; return }
            guard let n = Int(text), n > 0 else { return nil }
            self = .frames(n)
        }
    }

    /// The maximal runs of `frames` (in order) that one renderer process can render: consecutive
    /// frames that follow each other by the step of the item that named them. `steps[i]` is the
    /// step of `frames[i]` (see `FrameSpec.steps`); a run never goes backwards.
    public static func runs(_ frames: [Int], steps: [Int]) -> [FrameChunk] {
        precondition(frames.count == steps.count)
        var runs: [FrameChunk] = []
        var i = 0
        while i < frames.count {
            let first = frames[i]
            let step = steps[i]
            var last = first
            var j = i + 1
            while j < frames.count, steps[j] == step, frames[j] == last + step {
                last = frames[j]
                j += 1
            }
            runs.append(FrameChunk(first: first, last: last, step: step))
            i = j
        }
        return runs
    }

    /// Cuts each run into as few chunks as `maxFrames` allows, of even sizes (the first ones one
    /// frame longer when they cannot all be equal): 1-10 with at most 4 frames per chunk is
    /// 1-4, 5-7, 8-10.
    public static func split(_ runs: [FrameChunk], maxFrames: Int) -> [FrameChunk] {
        precondition(maxFrames > 0)
        var chunks: [FrameChunk] = []
        for run in runs {
            let pieces = (run.count + maxFrames - 1) / maxFrames
            chunks += split(run, into: pieces)
        }
        return chunks
    }

    /// Cuts one run into `pieces` contiguous chunks whose sizes differ by at most one.
    public static func split(_ run: FrameChunk, into pieces: Int) -> [FrameChunk] {
        let pieces = max(1, min(pieces, run.count))
        let base = run.count / pieces
        let longer = run.count % pieces
        var chunks: [FrameChunk] = []
        var start = run.first
        for k in 0..<pieces {
            let size = base + (k < longer ? 1 : 0)
            let end = start + (size - 1) * run.step
            chunks.append(FrameChunk(first: start, last: end, step: run.step))
            start = end + run.step
        }
        return chunks
    }

    /// How many chunks each worker should get with `--chunk auto`: enough that a worker which
    /// finishes early takes over work (a dynamic queue needs several chunks per worker), few
    /// enough that the renderer's start-up is paid rarely. A renderer that takes a second or
    /// more to start (Blender, about 1.4 s) gets one chunk per worker: each start beyond the
    /// first cost more than the balance it bought (24 short frames on 2 workers: 1.09 of two
    /// plain `blender -a` halves with 2 chunks each, 0.97 with one; issue 16). A renderer that
    /// starts in a fraction of a second gets 4.
    public static func chunksPerWorker(startupSeconds: Double) -> Int {
        if startupSeconds >= 1 { return 1 }
        if startupSeconds >= 0.3 { return 3 }
        return 4
    }

    /// The frames per chunk `--chunk auto` picks for `frameCount` frames on `workers` workers.
    /// One worker gets everything in one chunk: there is no one to share with, and frames are
    /// kept (and retried) one by one whatever the chunk size.
    public static func autoSize(frameCount: Int, workers: Int, startupSeconds: Double) -> Int {
        if workers <= 1 { return max(1, frameCount) }
        let chunks = max(1, workers) * chunksPerWorker(startupSeconds: startupSeconds)
        return max(1, (frameCount + chunks - 1) / chunks)
    }

    /// The chunks for `frames` (with their item steps): runs, then cut to `size`.
    public static func plan(_ frames: [Int], steps: [Int], size: Size, workers: Int, startupSeconds: Double) -> (chunks: [FrameChunk], maxFrames: Int) {
        let runs = runs(frames, steps: steps)
        let maxFrames: Int
        switch size {
        case .frames(let n): maxFrames = n
        case .auto: maxFrames = autoSize(frameCount: frames.count, workers: workers, startupSeconds: startupSeconds)
        }
        return (split(runs, maxFrames: maxFrames), maxFrames)
    }
}
