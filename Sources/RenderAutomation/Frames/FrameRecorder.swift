/// Writes a frame-range render's chunks to the frame tables as the render goes (an observer of
/// the render, on the loop thread), through `FrameRecords`: the loop never waits for SQLite, and
/// a database another process holds locked delays the records, not the render. A failed write
/// is reported once and recording stops; the render goes on.
final class FrameRecorder {
    private let records: FrameRecords
    /// Chunks queued in the database, in queue order, waiting for their run.
    private var queued: [(chunk: FrameChunk, attempt: Int, row: DatabaseRowID)] = []
    private var rows: [Int: DatabaseRowID] = [:]

    /// Throws `GalleryError` now for a path that cannot be an rscript database (a folder,
    /// another program's file), so that nothing starts.
    init(path: String, runtime: ScriptRuntime) throws {
        records = try FrameRecords(path: path, runtime: runtime)
    }

    func attach(_ render: FrameRender) {
        render.observers.append { render, event in self.handle(render, event) }  // the render keeps its recorder
    }

    /// Blocks until every record has landed (or failed), so that the database is whole when
    /// rscript exits; called once the render's loop has stopped.
    func waitUntilWritten() {
        records.waitUntilWritten()
    }

    private func handle(_ render: FrameRender, _ event: FrameRenderEvent) {
        switch event {
        case .planned:
            let row = FrameStore.NewRender(label: render.request.label, scene: render.scenePath, spec: render.request.spec.text,
                                           output: render.folder, pattern: render.pattern, workers: render.slots.count,
                                           frames: render.frames.count, skipped: render.skipped.count)
            let ids = records.planned(row, chunks: render.planned)
            queued = zip(render.planned, ids).map { ($0, 1, $1) }
        case .chunkStarted(let run):
            guard let index = queued.firstIndex(where: { $0.chunk == run.chunk && $0.attempt == run.attempt }) else { return }
            let row = queued.remove(at: index).row
            rows[run.id] = row
            records.started(row, worker: run.slot, pid: run.execution?.processID, log: run.logPath)
        case .chunkDone(let run):
            guard let row = rows.removeValue(forKey: run.id) else { return }
            records.ended(row, state: "done", framesDone: run.done.count, reason: nil)
        case .chunkFailed(let run, let reason, let frames, let retry):
            guard let row = rows.removeValue(forKey: run.id) else { return }
            let state = reason == "interrupted" ? "interrupted" : (retry ? "retried" : "failed")
            let chunks = retry ? FrameRender.retryChunks(frames, step: run.chunk.step) : []
            let ids = records.ended(row, state: state, framesDone: run.done.count, reason: reason,
                                    retry: chunks, attempt: run.attempt + 1)
            queued += zip(chunks, ids).map { ($0, run.attempt + 1, $1) }
        case .ended:
            records.renderEnded(state: render.state, rendered: render.done.count,
                                notRendered: render.notRendered + render.failed.sorted())
        case .progress, .frameDone, .submitted:
            break
        }
    }
}
