import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// Records a `--persistent` frame render in the frame tables (`FrameStore`) as the chunked
/// renderer's `FrameRecorder` does, one chunk per frame (a client takes one frame at a time): the
/// `frame_renders` row, and per attempt at a frame a `frame_chunks` row `queued` → `rendering`
/// (the client's number as `worker`, its Blender's pid and log) → `done`, `retried` (the frame
/// was queued again, as a new row) or `failed`; rows left `queued` or `rendering` at the end
/// become `interrupted`.
///
/// The database is opened and written on a `DatabaseWriter`'s thread, so the runtime's loop
/// never waits for SQLite (another process's lock, a commit); row ids travel to later writes in
/// `DatabaseRowID`s. A failed write is reported once and recording stops; the render goes on.
/// Used on the runtime's loop thread.
final class PersistentFrameRecorder {
    private let writer: DatabaseWriter
    private unowned let runtime: ScriptRuntime
    private let renderRow = DatabaseRowID()
    /// The row of each frame's latest attempt.
    private var rows: [Int: DatabaseRowID] = [:]
    private var broken = false

    /// Writes to the database at `path`, which the writer's thread opens (adding the frame
    /// tables) at the first write: a file another process holds locked delays the records, not
    /// the render. Throws `GalleryError` now for a path that cannot be an rscript database (a
    /// folder, another program's file), so that nothing starts.
    init(path: String, runtime: ScriptRuntime) throws {
        if Environment.isDirectory(path) {
            throw GalleryError(.notADatabase, path: path, message: "\(path) is a folder, not an rscript database")
        }
        try GallerySchema.checkHeader(path: path)
        self.runtime = runtime
        writer = DatabaseWriter(opening: { try FrameStore(path: path).pool }, label: "rscript.frames.writer") { error in
            GalleryError.wrap(error, path: path).description
        }
    }

    /// The render starts: its row, and one `queued` row per frame to render.
    func planned(_ render: FrameStore.NewRender, frames: [Int]) {
        let chunks = frames.map { FrameChunk(first: $0, last: $0) }
        let ids = frames.map { _ in DatabaseRowID() }
        for (frame, id) in zip(frames, ids) { rows[frame] = id }
        let owner = getpid()
        let now = Date().timeIntervalSince1970
        let renderRow = self.renderRow
        record { db in
            let (renderID, chunkRows) = try FrameStore.insertRender(db, render, chunks: chunks, ownerPid: owner, now: now)
            renderRow.set(renderID)
            for (id, row) in zip(ids, chunkRows) { id.set(row) }
        }
    }

    /// A client took `frame`.
    func started(frame: Int, worker: Int, pid: Int32?, log: String) {
        guard let id = rows[frame] else { return }
        let now = Date().timeIntervalSince1970
        record { db in
            guard let row = id.value else { return }
            try FrameStore.chunkStarted(db, row, worker: worker, pid: pid, logPath: log, now: now)
        }
    }

    /// The attempt at `frame` ended (`done`, `retried`, `failed`); `again` queues the next
    /// attempt's row.
    func ended(frame: Int, state: String, reason: String?, again attempt: Int? = nil) {
        guard let id = rows[frame] else { return }
        let now = Date().timeIntervalSince1970
        let next = attempt.map { _ in DatabaseRowID() }
        if let next { rows[frame] = next }
        let renderRow = self.renderRow
        record { db in
            if let row = id.value {
                try FrameStore.chunkEnded(db, row, state: state, framesDone: state == "done" ? 1 : 0, reason: reason, now: now)
            }
            if let next, let attempt, let render = renderRow.value {
                next.set(try FrameStore.insertChunk(db, renderId: render, chunk: FrameChunk(first: frame, last: frame),
                                                    attempt: attempt, now: now))
            }
        }
    }

    /// The render is over (called once the loop has stopped): writes its end and waits for
    /// every write to land, so that the database is whole when rscript exits.
    func renderEnded(state: FrameRender.State, rendered: Int, notRendered: [Int]) {
        let renderRow = self.renderRow
        let now = Date().timeIntervalSince1970
        let missing = notRendered.isEmpty ? nil : FrameEventJSON.ranges(notRendered)
        if !broken {
            writer.enqueue({ db in
                guard let id = renderRow.value else { return }
                try FrameStore.renderEnded(db, id, state: state.rawValue, rendered: rendered, notRendered: missing, now: now)
            }, done: { [describe = writer.describe] error in
                if let error { StandardError.write("rscript: warning: cannot record the frame render: \(describe(error))\n") }
            })
        }
        writer.waitUntilWritten()
    }

    /// Queues `write` (off the loop); the first failure is reported and recording stops.
    private func record(_ write: @escaping @Sendable (Database) throws -> Void) {
        guard !broken else { return }
        writer.enqueue(write, from: runtime) { [weak self] error in
            guard let self, let error, !self.broken else { return }
            self.broken = true
            self.runtime.errorReporter("rscript: warning: cannot record the frame render: \(error)")
        }
    }
}
