import LuaBridge

/// Shows a render's progress: a live line on a terminal, plain lines otherwise, or a stream of
/// JSON events (one object per line) for scripts.
public final class RenderProgressPrinter {
    public typealias Style = ProgressStyle

    let style: Style
    private let status = LiveLines()
    private var lastPlainPercent = -1.0

    public init(style: Style) { self.style = style }

    /// `.live` on a terminal, `.plain` otherwise, `.json` when asked.
    public static func automatic(json: Bool) -> RenderProgressPrinter {
        RenderProgressPrinter(style: .automatic(json: json))
    }

    public func attach(_ job: BackgroundRender) {
        emit(job, start: true)
        job.observers.append { job, event in self.handle(job, event) }  // the job keeps its printer
    }

    private func handle(_ job: BackgroundRender, _ event: BackgroundRender.RenderEvent) {
        switch style {
        case .json:
            switch event {
            case .metadata: emitJSON(["event": "progress", "id": .int(job.id), "metadata": .object(jsonMetadata(job))])
            case .image(let path): emitJSON(["event": "image", "id": .int(job.id), "path": .string(path)])
            case .ended: emit(job, start: false)
            }
        case .live:
            if case .ended = event {
                status.clearStatus()
                emit(job, start: false)
                return
            }
            let now = MonotonicClock.now()
            guard status.isDue(now: now) || { if case .image = event { return true } else { return false } }() else { return }
            status.drawStatus(statusLine(job), now: now)
        case .plain:
            switch event {
            case .image(let path): write("render \(job.id): image \(path)\n")
            case .metadata:
                if let percent = job.percentDone, percent >= lastPlainPercent + 10 || (percent >= 100 && lastPlainPercent < 100) {
                    lastPlainPercent = percent
                    write("render \(job.id): \(Self.format(percent: percent)) \(SecondsText.tenths(job.elapsed))\n")
                }
            case .ended: emit(job, start: false)
            }
        }
    }

    private func emit(_ job: BackgroundRender, start: Bool) {
        if style == .json {
            if start {
                emitJSON(["event": "start", "id": .int(job.id), "label": .string(job.label), "scene": .string(job.scene),
                          "workDir": .string(job.workDir)])
            } else {
                var event: [String: JSONValue] = [
                    "event": "end", "id": .int(job.id), "state": .string(job.state.rawValue),
                    "metadata": .object(jsonMetadata(job)), "images": .array(job.imagePaths.map { .string($0) }),
                ]
                if let error = job.error { event["error"] = .string(error) }
                emitJSON(event)
            }
            return
        }
        if start {
            write("render \(job.id): \(job.label) rendering \(job.scene)\n")
        } else {
            var line = "render \(job.id): \(job.state.rawValue) after \(SecondsText.tenths(job.elapsed))"
            if let image = job.latestImage { line += ": \(image)" }
            write(line + "\n")
            if let error = job.error { StandardError.write(error + "\n") }
        }
    }

    private func statusLine(_ job: BackgroundRender) -> String {
        var parts = ["[\(job.label) #\(job.id)]"]
        parts.append(job.percentDone.map(Self.format(percent:)) ?? "  ...")
        parts.append(SecondsText.tenths(job.elapsed))
        if let peak = job.metadata["peakMemory"]?.doubleValue { parts.append("peak \(Int(peak / 1_048_576)) MB") }
        if let image = job.latestImage { parts.append(image) }
        return parts.joined(separator: "  ")
    }

    private func jsonMetadata(_ job: BackgroundRender) -> [String: JSONValue] {
        job.metadata.compactMapValues { try? JSONValue($0) }
    }

    private func emitJSON(_ object: [String: JSONValue]) {
        write(JSONValue.object(object).jsonText + "\n")
    }

    static func format(percent: Double) -> String {
        let tenths = (percent * 10).rounded() / 10
        return "\(tenths)%"
    }

    private func write(_ text: String) { writeAll(1, text) }
}
