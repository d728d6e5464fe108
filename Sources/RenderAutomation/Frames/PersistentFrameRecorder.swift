/// Records a `--persistent` frame render in the frame tables (`FrameStore`) as the chunked
/// renderer's `FrameRecorder` does, one chunk per frame (a client takes one frame at a time): the
/// `frame_renders` row, and per attempt at a frame a `frame_chunks` row `queued` → `rendering`
/// (the client's number as `worker`, its Blender's pid and log) → `done`, `retried` (the frame
/// was queued again, as a new row) or `failed`; rows left `queued` or `rendering` at the end
/// become `interrupted`.
///
/// Written off the loop through `FrameRecords` (a locked file delays the records, not the
/// render). Used on the runtime's loop thread.
final class PersistentFrameRecorder {
    private let records: FrameRecords
    /// The row of each frame's latest attempt.
    private var rows: [Int: DatabaseRowID] = [:]

    /// Throws `GalleryError` now for a path that cannot be an rscript database (a folder,
    /// another program's file), so that nothing starts.
    init(path: String, runtime: ScriptRuntime) throws {
        records = try FrameRecords(path: path, runtime: runtime)
    }

    /// The render starts: its row, and one `queued` row per frame to render.
    func planned(_ render: FrameStore.NewRender, frames: [Int]) {
        let ids = records.planned(render, chunks: frames.map { FrameChunk(first: $0, last: $0) })
        for (frame, id) in zip(frames, ids) { rows[frame] = id }
    }

    /// A client took `frame`.
    func started(frame: Int, worker: Int, pid: Int32?, log: String) {
        guard let id = rows[frame] else { return }
        records.started(id, worker: worker, pid: pid, log: log)
    }

    /// The attempt at `frame` ended (`done`, `retried`, `failed`); `again` queues the next
    /// attempt's row.
    func ended(frame: Int, state: String, reason: String?, again attempt: Int? = nil) {
        guard let id = rows[frame] else { return }
        let next = records.ended(id, state: state, framesDone: state == "done" ? 1 : 0, reason: reason,
                                 retry: attempt == nil ? [] : [FrameChunk(first: frame, last: frame)], attempt: attempt ?? 0)
        if let next = next.first { rows[frame] = next }
    }

    /// The render is over (called once the loop has stopped): writes its end and waits for
    /// every write to land, so that the database is whole when rscript exits.
    func renderEnded(state: FrameRender.State, rendered: Int, notRendered: [Int]) {
        records.renderEnded(state: state, rendered: rendered, notRendered: notRendered)
        records.waitUntilWritten()
    }
}
