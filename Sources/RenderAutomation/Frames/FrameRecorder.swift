#if canImport(Glibc)
import Glibc
#endif

/// Writes a frame-range render's chunks to a `FrameStore` as the render goes (an observer of
/// the render, on the loop thread). A database error is reported once and recording stops; the
/// render goes on.
final class FrameRecorder {
    let store: FrameStore
    private var renderId: Int64 = 0
    /// Chunks queued in the database, in queue order, waiting for their run.
    private var queued: [(chunk: FrameChunk, attempt: Int, row: Int64)] = []
    private var rows: [Int: Int64] = [:]
    private var broken = false

    init(store: FrameStore) { self.store = store }

    func attach(_ render: FrameRender) {
        render.observers.append { render, event in self.handle(render, event) }  // the render keeps its recorder
    }

    private func handle(_ render: FrameRender, _ event: FrameRenderEvent) {
        guard !broken else { return }
        do {
            switch event {
            case .planned:
                let (id, chunks) = try store.insertRender(render, ownerPid: getpid())
                renderId = id
                queued = zip(render.planned, chunks).map { ($0, 1, $1) }
            case .chunkStarted(let run):
                guard let index = queued.firstIndex(where: { $0.chunk == run.chunk && $0.attempt == run.attempt }) else { return }
                let row = queued.remove(at: index).row
                rows[run.id] = row
                try store.chunkStarted(row, worker: run.slot, pid: run.execution?.processID, logPath: run.logPath)
            case .chunkDone(let run):
                guard let row = rows.removeValue(forKey: run.id) else { return }
                try store.chunkEnded(row, state: "done", framesDone: run.done.count, reason: nil)
            case .chunkFailed(let run, let reason, let frames, let retry):
                guard let row = rows.removeValue(forKey: run.id) else { return }
                let state = reason == "interrupted" ? "interrupted" : (retry ? "retried" : "failed")
                try store.chunkEnded(row, state: state, framesDone: run.done.count, reason: reason)
                if retry {
                    let chunks = FrameRender.retryChunks(frames, step: run.chunk.step)
                    let ids = try store.insertChunks(renderId: renderId, chunks, attempt: run.attempt + 1)
                    queued += zip(chunks, ids).map { ($0, run.attempt + 1, $1) }
                }
            case .ended:
                let missing = render.notRendered + render.failed.sorted()
                try store.renderEnded(renderId, state: render.state.rawValue, rendered: render.done.count,
                                      notRendered: missing.isEmpty ? nil : FrameEventJSON.ranges(missing))
            case .progress, .frameDone, .submitted:
                break
            }
        } catch {
            broken = true
            StandardError.write("rscript: warning: cannot record the frame chunks in \(store.path): \(error)\n")
        }
    }
}
