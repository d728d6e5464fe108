import Foundation

/// What `rscript gallery watch ID` does: polls one render until it leaves `rendering`.
///
/// Polling, not notification: SQLite cannot tell another process that a row changed, so the
/// watcher reads the render's `changeCount` every `interval` (150 ms by default: one indexed
/// read) and reads the whole snapshot only when it moved.
public struct GalleryWatcher: Sendable {
    public enum Output: Sendable {
        /// A `GalleryFormat.watchLine` each time the line changes.
        case lines
        /// One JSON object (`RenderSnapshot.jsonValue`, latest image only) per change of any
        /// field, one per line.
        case json
    }

    public var store: GalleryStore
    public var id: Int64
    public var output: Output
    public var interval: TimeInterval

    public init(store: GalleryStore, id: Int64, output: Output = .lines, interval: TimeInterval = 0.15) {
        self.store = store
        self.id = id
        self.output = output
        self.interval = interval
    }

    /// Watches until the render ends and returns the exit status: 0 finished, 1 failed or
    /// stopped, 1 when its runtime died while it was rendering (orphaned). `emit` gets each
    /// line for standard output, `report` each message for standard error (without `rscript: `).
    /// - Throws: `GalleryError.unknownRender` when the render does not exist (or is removed
    ///   while watched); other `GalleryError`s from the database.
    public func run(emit: (String) -> Void, report: (String) -> Void) throws -> Int32 {
        var lastCount: Int64 = -1
        var lastLine: String?
        var current: RenderSnapshot?
        while true {
            guard let count = try store.changeCount(id: id) else { throw GalleryError.unknownRender(id, path: store.path) }
            var changed = false
            if count != lastCount || current == nil {
                current = try read()
                changed = true
            }
            var snapshot = current!
            // A render whose process is gone will not change again: read it once more (it may
            // have ended just before its process exited), then give up on it.
            var orphaned = false
            if snapshot.state == .rendering, let pid = snapshot.pid, !ProcessLiveness.isAlive(pid) {
                snapshot = try read()
                current = snapshot
                orphaned = snapshot.state == .rendering
                changed = true
            }
            lastCount = snapshot.changeCount
            if changed {
                let line = GalleryFormat.watchLine(snapshot)
                switch output {
                case .lines where line != lastLine: emit(line)
                case .lines: break
                case .json: emit(snapshot.jsonValue().jsonText)
                }
                lastLine = line
            }
            if orphaned {
                report("render \(id) was left rendering by process \(snapshot.pid.map(String.init) ?? "?"), which is gone")
                return 1
            }
            switch snapshot.state {
            case .rendering:
                Thread.sleep(forTimeInterval: interval)
            case .finished:
                return 0
            case .failed:
                report("render \(id) failed" + (snapshot.error.map { ": " + $0.description } ?? ""))
                return 1
            case .stopped:
                report("render \(id) was stopped" + (snapshot.error.map { ": " + $0.description } ?? ""))
                return 1
            }
        }
    }

    private func read() throws -> RenderSnapshot {
        guard let snapshot = try store.snapshot(id: id, fullImageHistory: false) else {
            throw GalleryError.unknownRender(id, path: store.path)
        }
        return snapshot
    }
}
