import Foundation
import GRDB

/// Frame-range renders and their chunks in the gallery's SQLite database file, written as they
/// change, so another process (or `sqlite3`) sees the queue live.
///
/// Table `frame_renders`: one row per `rscript render --frames` (label, scene, spec, output
/// folder and pattern, workers, frame counts, state `rendering` / `finished` / `failed` /
/// `interrupted`, the frames not rendered as `1-3,7`). Table `frame_chunks`: one row per chunk
/// attempt, `queued` → `rendering` (worker, pid, log) → `done`, `retried` (its missing frames
/// were queued again as new rows), `failed` or `interrupted`, with `framesDone` and the reason.
/// A `--persistent` render's chunks are single frames, its workers the Blender clients. Both
/// renderers write through `FrameRecords` (a `DatabaseWriter`, off the loop), which runs the
/// static statements below.
/// The version is the row `frames` of `rscript_schemas` (shared with the job queue's tables).
/// Times are seconds since 1970.
///
/// - Concurrency: opening is synchronous, throwing `GalleryError`; safe from any thread; WAL,
///   the statements run in the caller's BEGIN IMMEDIATE transaction, as `GalleryStore`'s.
public final class FrameStore: Sendable {
    public let path: String
    let pool: DatabasePool

    static let component = "frames"
    static let currentVersion = 1

    static let version1 = """
        CREATE TABLE IF NOT EXISTS rscript_schemas (
            component TEXT PRIMARY KEY,
            version INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS frame_renders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            label TEXT NOT NULL,
            scene TEXT NOT NULL,
            spec TEXT NOT NULL,
            output TEXT NOT NULL,
            pattern TEXT NOT NULL,
            workers INTEGER NOT NULL,
            frames INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            rendered INTEGER NOT NULL DEFAULT 0,
            notRendered TEXT,
            state TEXT NOT NULL CHECK (state IN ('rendering', 'finished', 'failed', 'interrupted')),
            ownerPid INTEGER,
            startedAt REAL NOT NULL,
            endedAt REAL,
            updatedAt REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS frame_chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            renderId INTEGER NOT NULL REFERENCES frame_renders(id) ON DELETE CASCADE,
            first INTEGER NOT NULL,
            last INTEGER NOT NULL,
            step INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'rendering', 'done', 'retried', 'failed', 'interrupted')),
            worker INTEGER,
            pid INTEGER,
            logPath TEXT,
            framesDone INTEGER NOT NULL DEFAULT 0,
            reason TEXT,
            startedAt REAL,
            endedAt REAL,
            updatedAt REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS frame_chunks_by_render ON frame_chunks(renderId, id);
        """

    /// Opens (and creates, with its folder) the database at `path`, adding the frame tables.
    public init(path: String, busyTimeout: TimeInterval = 5) throws {
        self.path = path
        pool = try DatabasePool.openComponent(
            path: path, label: "rscript.frames", component: Self.component, version: Self.currentVersion,
            schema: Self.version1, busyTimeout: busyTimeout)
    }

    // MARK: Statements (in a write of the caller's: a `DatabaseWriter`'s)

    /// A `frame_renders` row as it starts.
    struct NewRender: Sendable {
        var label: String
        var scene: String
        var spec: String
        var output: String
        var pattern: String
        var workers: Int
        var frames: Int
        var skipped: Int
    }

    static func insertRender(_ db: Database, _ render: NewRender, chunks: [FrameChunk], ownerPid: Int32,
                             now: Double) throws -> (id: Int64, chunks: [Int64]) {
        try db.execute(
            sql: """
                INSERT INTO frame_renders (label, scene, spec, output, pattern, workers, frames, skipped, state,
                                           ownerPid, startedAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'rendering', ?, ?, ?)
                """,
            arguments: [render.label, render.scene, render.spec, render.output, render.pattern, render.workers,
                        render.frames, render.skipped, ownerPid, now, now])
        let id = db.lastInsertedRowID
        let rows = try chunks.map { try insertChunk(db, renderId: id, chunk: $0, attempt: 1, now: now) }
        return (id, rows)
    }

    static func insertChunk(_ db: Database, renderId: Int64, chunk: FrameChunk, attempt: Int, now: Double) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO frame_chunks (renderId, first, last, step, attempt, state, updatedAt) VALUES (?, ?, ?, ?, ?, 'queued', ?)",
            arguments: [renderId, chunk.first, chunk.last, chunk.step, attempt, now])
        return db.lastInsertedRowID
    }

    static func chunkStarted(_ db: Database, _ id: Int64, worker: Int, pid: Int32?, logPath: String, now: Double) throws {
        try db.execute(
            sql: "UPDATE frame_chunks SET state = 'rendering', worker = ?, pid = ?, logPath = ?, startedAt = ?, updatedAt = ? WHERE id = ?",
            arguments: [worker, pid, logPath, now, now, id])
    }

    static func chunkEnded(_ db: Database, _ id: Int64, state: String, framesDone: Int, reason: String?, now: Double) throws {
        try db.execute(
            sql: "UPDATE frame_chunks SET state = ?, framesDone = ?, reason = ?, endedAt = ?, updatedAt = ? WHERE id = ?",
            arguments: [state, framesDone, reason, now, now, id])
    }

    /// Ends the render; its chunks still `queued` or `rendering` become `interrupted`.
    static func renderEnded(_ db: Database, _ id: Int64, state: String, rendered: Int, notRendered: String?, now: Double) throws {
        try db.execute(
            sql: "UPDATE frame_renders SET state = ?, rendered = ?, notRendered = ?, endedAt = ?, updatedAt = ? WHERE id = ?",
            arguments: [state, rendered, notRendered, now, now, id])
        try db.execute(
            sql: "UPDATE frame_chunks SET state = 'interrupted', endedAt = ?, updatedAt = ? WHERE renderId = ? AND state IN ('queued', 'rendering')",
            arguments: [now, now, id])
    }
}
