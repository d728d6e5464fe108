import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// A frame render's rows in the frame tables (`FrameStore`), written through a `DatabaseWriter`:
/// what both frame renderers' recorders share (`FrameRecorder` for chunks, `PersistentFrameRecorder`
/// for one-frame chunks). Each call queues its write and returns at once, so the runtime's loop
/// never waits for SQLite (another process's lock, a commit); the writer's thread opens the
/// database at the first write and writes in order. Row ids travel to later writes in
/// `DatabaseRowID`s. A write that fails (the file stayed locked past the writer's retry window,
/// a full disk) is reported once and recording stops; the render goes on.
///
/// Used on the runtime's loop thread.
final class FrameRecords {
    private let writer: DatabaseWriter
    private unowned let runtime: ScriptRuntime
    private let renderRow = DatabaseRowID()
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

    /// The render starts: its row, and one `queued` row per chunk (attempt 1). Returns the
    /// chunks' rows, in order.
    func planned(_ render: FrameStore.NewRender, chunks: [FrameChunk]) -> [DatabaseRowID] {
        let ids = chunks.map { _ in DatabaseRowID() }
        let owner = getpid()
        let now = Date().timeIntervalSince1970
        let renderRow = self.renderRow
        record { db in
            let (renderID, chunkRows) = try FrameStore.insertRender(db, render, chunks: chunks, ownerPid: owner, now: now)
            renderRow.set(renderID)
            for (id, row) in zip(ids, chunkRows) { id.set(row) }
        }
        return ids
    }

    /// A worker took the chunk of row `id`: `rendering`.
    func started(_ id: DatabaseRowID, worker: Int, pid: Int32?, log: String) {
        let now = Date().timeIntervalSince1970
        record { db in
            guard let row = id.value else { return }
            try FrameStore.chunkStarted(db, row, worker: worker, pid: pid, logPath: log, now: now)
        }
    }

    /// The attempt of row `id` ended (`done`, `retried`, `failed`, `interrupted`); `retry` is
    /// queued in the same write as attempt `attempt`'s rows, which are returned in order.
    @discardableResult
    func ended(_ id: DatabaseRowID, state: String, framesDone: Int, reason: String?,
               retry: [FrameChunk] = [], attempt: Int = 0) -> [DatabaseRowID] {
        let now = Date().timeIntervalSince1970
        let next = retry.map { _ in DatabaseRowID() }
        let renderRow = self.renderRow
        record { db in
            if let row = id.value {
                try FrameStore.chunkEnded(db, row, state: state, framesDone: framesDone, reason: reason, now: now)
            }
            guard !retry.isEmpty, let render = renderRow.value else { return }
            for (nextID, chunk) in zip(next, retry) {
                nextID.set(try FrameStore.insertChunk(db, renderId: render, chunk: chunk, attempt: attempt, now: now))
            }
        }
        return next
    }

    /// The render is over: its end is queued after every other write (its rows still `queued`
    /// or `rendering` become `interrupted`). Its failure is reported from the writer's thread,
    /// as the loop may have stopped by then; `waitUntilWritten()` waits for it.
    func renderEnded(state: FrameRender.State, rendered: Int, notRendered: [Int]) {
        guard !broken else { return }
        broken = true  // nothing is recorded after the end
        let renderRow = self.renderRow
        let now = Date().timeIntervalSince1970
        let missing = notRendered.isEmpty ? nil : FrameEventJSON.ranges(notRendered)
        writer.enqueue({ db in
            guard let id = renderRow.value else { return }
            try FrameStore.renderEnded(db, id, state: state.rawValue, rendered: rendered, notRendered: missing, now: now)
        }, done: { [describe = writer.describe] error in
            if let error { StandardError.write("rscript: warning: cannot record the frame render: \(describe(error))\n") }
        })
    }

    /// Blocks until every write queued so far has landed (or failed), so that the database is
    /// whole when rscript exits. With the file still locked, that is up to the writer's retry
    /// window.
    func waitUntilWritten() {
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
