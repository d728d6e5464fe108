/// Shows a frame-range render: on a terminal, progress bars (the total, with frames done and
/// failed and an ETA from the average time per frame, and one bar per worker slot); plain lines
/// otherwise; or a stream of JSON events (one object per line) for scripts.
public final class FrameProgressPrinter {
    public typealias Style = ProgressStyle

    let style: Style
    private let bars = LiveLines()
    private var lastJSONProgress: [Int: Double] = [:]
    var bar = ProgressBar(width: 24)

    public init(style: Style) { self.style = style }

    /// `.live` on a terminal, `.plain` otherwise, `.json` when asked.
    public static func automatic(json: Bool) -> FrameProgressPrinter {
        FrameProgressPrinter(style: .automatic(json: json))
    }

    public func attach(_ render: FrameRender) {
        render.observers.append { render, event in self.handle(render, event) }  // the render keeps its printer
    }

    private func handle(_ render: FrameRender, _ event: FrameRenderEvent) {
        switch style {
        case .json:
            FrameEventJSON.emit(render, event, lastProgress: &lastJSONProgress)
            // The stream is for programs; why frames failed is for the person who ran it.
            if case .ended = event, render.state == .failed { failureSummary(render) }
        case .plain: plain(render, event)
        case .live: live(render, event)
        }
    }

    // MARK: Plain lines

    private func plain(_ render: FrameRender, _ event: FrameRenderEvent) {
        switch event {
        case .planned: out(planLine(render) + "\n")
        case .chunkStarted(let run):
            let place = run.slurmTask.map { " (Slurm task \($0.jobName)" + ($0.host.map { " on \($0)" } ?? "") + ")" } ?? ""
            out("chunk \(run.chunk) started on worker \(run.slot)\(place)" + (run.attempt > 1 ? " (attempt \(run.attempt))" : "") + "\n")
        case .progress: break
        case .frameDone(let frame, _, let seconds, _):
            out("frame \(frame) done in \(SecondsText.twoDigits(seconds)) (\(render.done.count)/\(render.frameCount))\n")
        case .chunkDone: break
        case .chunkFailed(let run, let reason, let frames, let retry):
            err(failureLine(render, run, reason, frames, retry) + "\n")
        case .submitted(let arrays, let tasks, let seconds): out(submitLine(arrays, tasks, seconds) + "\n")
        case .ended: endLines(render)
        }
    }

    // MARK: Bars

    private func live(_ render: FrameRender, _ event: FrameRenderEvent) {
        switch event {
        case .planned:
            out(planLine(render) + "\n")
            draw(render)
        case .chunkFailed(let run, let reason, let frames, let retry):
            bars.clear()
            err(failureLine(render, run, reason, frames, retry) + "\n")
            draw(render)
        case .ended:
            bars.clear()
            endLines(render)
        case .progress:
            guard bars.isDue(now: MonotonicClock.now()) else { return }
            draw(render)
        case .submitted(let arrays, let tasks, let seconds):
            bars.clear()
            out(submitLine(arrays, tasks, seconds) + "\n")
            draw(render)
        case .chunkStarted, .frameDone, .chunkDone:
            draw(render)
        }
    }

    private func draw(_ render: FrameRender) {
        var lines: [String] = []
        let total = max(1, render.frameCount)
        var line = "total    " + bar.text(Double(render.done.count + render.failed.count) / Double(total))
            + "  \(render.done.count)/\(render.frameCount) frames"
        if !render.failed.isEmpty { line += ", \(render.failed.count) failed" }
        if !render.skipped.isEmpty { line += ", \(render.skipped.count) skipped" }
        if let perFrame = render.secondsPerFrame {
            let left = render.frameCount - render.done.count - render.failed.count
            let busy = max(1, min(render.slots.count, left))
            line += "  \(SecondsText.twoDigits(perFrame))/frame  ETA \(SecondsText.clock(Double(left) * perFrame / Double(busy)))"
        }
        lines.append(line)
        for (index, slot) in render.slots.enumerated() {
            let name = "worker \(index + 1)".padding(toLength: 9)
            guard let run = slot else {
                lines.append(name + bar.text(0, empty: true) + "  idle")
                continue
            }
            let fraction = (Double(run.done.count) + (run.percent ?? 0) / 100) / Double(run.chunk.count)
            var text = name + bar.text(min(1, fraction)) + "  chunk \(run.chunk)"
            if run.attempt > 1 { text += " (attempt \(run.attempt))" }
            if let frame = run.currentFrame {
                text += "  frame \(frame)"
                if let percent = run.percent { text += " \(Int(percent))%" }
            } else {
                text += "  starting"
            }
            lines.append(text)
        }
        bars.draw(lines)
    }

    // MARK: Shared lines

    private func planLine(_ render: FrameRender) -> String {
        let skipped = render.skipped.isEmpty ? "" : "; \(render.skipped.count) skipped (already rendered)"
        if render.frameCount == 0 {
            return "all \(render.frames.count) frames of \(render.request.spec) are already rendered in \(render.folder)"
                + " (skipped; --no-skip renders them again)"
        }
        let example = render.framePaths[render.frames.first { !render.skipped.contains($0) } ?? 0] ?? render.pattern
        return "rendering \(render.frameCount) frame\(render.frameCount == 1 ? "" : "s") of \(render.request.spec) with \(render.request.label)"
            + " in \(render.planned.count) chunk\(render.planned.count == 1 ? "" : "s") (up to \(render.maxFramesPerChunk) frames each)"
            + " on \(render.slots.count) worker\(render.slots.count == 1 ? "" : "s")\(skipped); images like \(example)"
    }

    private func submitLine(_ arrays: [Int], _ tasks: Int, _ seconds: Double) -> String {
        "submitted \(tasks) chunk\(tasks == 1 ? "" : "s") to Slurm as job array\(arrays.count == 1 ? "" : "s") "
            + arrays.map(String.init).joined(separator: ",") + " in \(SecondsText.twoDigits(seconds))"
    }

    private func failureLine(_ render: FrameRender, _ run: FrameChunkRun, _ reason: String, _ frames: [Int], _ retry: Bool) -> String {
        let list = FrameEventJSON.ranges(frames)
        if reason == "interrupted" { return "chunk \(run.chunk) interrupted: frames \(list) not rendered" }
        let next = retry ? "retrying frames \(list)" : "giving up on frames \(list)"
        return "chunk \(run.chunk) failed (attempt \(run.attempt) of \(render.request.retries + 1)): \(reason); \(next) (log: \(run.logPath))"
    }

    private func endLines(_ render: FrameRender) {
        let skipped = render.skipped.isEmpty ? "" : ", \(render.skipped.count) skipped"
        switch render.state {
        case .finished:
            out("finished: \(render.done.count) frame\(render.done.count == 1 ? "" : "s") rendered\(skipped) in \(SecondsText.twoDigits(render.elapsed)); images in \(render.folder)\n")
        case .interrupted:
            err("interrupted after \(SecondsText.twoDigits(render.elapsed)): \(render.done.count) rendered\(skipped), not rendered: \(FrameEventJSON.ranges(render.notRendered))\n")
        default:
            out("failed: \(render.done.count) of \(render.frameCount) frames rendered\(skipped) in \(SecondsText.twoDigits(render.elapsed))\n")
            failureSummary(render)
        }
    }

    /// The frames not rendered, and each failed chunk's reason, log and last log lines (stderr).
    private func failureSummary(_ render: FrameRender) {
        err("frames not rendered: \(FrameEventJSON.ranges(render.notRendered + render.failed.sorted()))\n")
        for failure in render.failures where failure.final {
            err("  chunk \(failure.run.chunk): \(failure.reason)\n  log: \(failure.run.logPath)\n")
            if let execution = failure.run.execution {
                for line in execution.tail(8) { err("    | \(line)\n") }
            }
        }
    }

    private func out(_ text: String) { writeAll(1, text) }
    private func err(_ text: String) { writeAll(2, text) }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
