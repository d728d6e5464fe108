import Foundation
import GRDB

/// Pool tasks in the gallery's SQLite database file, beside the job queue and the frame chunks,
/// written as they change so another process (or `sqlite3`) sees what a pool is doing.
///
/// Table `pool_tasks`: one row per task submitted to a pool: the pool's number and the owning
/// rscript's pid, its label (`task 3 of 10`), script and arguments (JSON), state `queued` →
/// `running` (attempt, worker, worker pid) → `finished` / `failed` / `cancelled`, its result
/// (JSON) or error, and times (seconds since 1970). A pool task belongs to the runtime that made
/// it: nothing re-runs it after that runtime dies (the job queue is for work that must survive).
/// The version is the row `pool` of `rscript_schemas`.
///
/// A runtime writes through `writer(path:)`, off the loop and in order: the file is opened, a
/// task's row inserted, then updated, on the writer's thread (`RowID` carries the row's id).
public final class PoolTaskStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// A row id known once the writer inserted the row; read on the writer's thread only after.
    typealias RowID = DatabaseRowID

    static let component = "pool"
    static let currentVersion = 1

    static let version1 = """
        CREATE TABLE IF NOT EXISTS rscript_schemas (
            component TEXT PRIMARY KEY,
            version INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS pool_tasks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            pool INTEGER NOT NULL,
            ownerPid INTEGER NOT NULL,
            label TEXT NOT NULL,
            script TEXT NOT NULL,
            arguments TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'finished', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            worker INTEGER,
            workerPid INTEGER,
            result TEXT,
            error TEXT,
            createdAt REAL NOT NULL,
            startedAt REAL,
            endedAt REAL,
            updatedAt REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS pool_tasks_by_owner ON pool_tasks(ownerPid, pool, id);
        """

    /// Opens (and creates, with its folder) the database at `path`, adding the pool table.
    public init(path: String, busyTimeout: TimeInterval = 5) throws {
        self.path = path
        pool = try DatabasePool.openComponent(
            path: path, label: "rscript.pool", component: Self.component, version: Self.currentVersion,
            schema: Self.version1, busyTimeout: busyTimeout)
    }

    /// A writer for the pool table of the database at `path`, which it opens (creating the table)
    /// on its own thread at the first write.
    static func writer(path: String) -> DatabaseWriter {
        DatabaseWriter(opening: { try PoolTaskStore(path: path).pool }, label: "rscript.pool.writer") { error in
            GalleryError.wrap(error, path: path).description
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write { db in try body(db) }
        } catch {
            throw GalleryError.wrap(error, path: path)
        }
    }

    /// A submitted task, as recorded (`queued`); `row` gets its id.
    struct Submitted: Sendable {
        var label: String
        var script: String
        var arguments: String
        var row: RowID
    }

    /// Records submitted tasks (`queued`) in one statement batch, setting their row ids.
    static func insert(_ db: Database, pool number: Int, ownerPid: Int32, _ items: [Submitted]) throws {
        let now = Date().timeIntervalSince1970
        let statement = try db.cachedStatement(sql: """
            INSERT INTO pool_tasks (pool, ownerPid, label, script, arguments, state, createdAt, updatedAt)
            VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)
            """)
        for item in items {
            try statement.execute(arguments: [number, ownerPid, item.label, item.script, item.arguments, now, now])
            item.row.set(db.lastInsertedRowID)
        }
    }

    /// A change to a recorded task, applied in batches (one transaction per loop turn).
    enum Update: Sendable {
        case started(row: RowID, attempt: Int, worker: Int, workerPid: Int32, at: Double)
        case ended(row: RowID, state: String, result: String?, error: String?, at: Double)
    }

    /// Applies `updates` to rows already inserted (a row whose insert failed is skipped).
    static func apply(_ db: Database, _ updates: [Update]) throws {
        for update in updates {
            switch update {
            case .started(let row, let attempt, let worker, let workerPid, let at):
                guard let id = row.value else { continue }
                try db.execute(
                    sql: "UPDATE pool_tasks SET state = 'running', attempts = ?, worker = ?, workerPid = ?, startedAt = ?, updatedAt = ? WHERE id = ?",
                    arguments: [attempt, worker, workerPid, at, at, id])
            case .ended(let row, let state, let result, let error, let at):
                guard let id = row.value else { continue }
                try db.execute(
                    sql: "UPDATE pool_tasks SET state = ?, result = ?, error = ?, endedAt = ?, updatedAt = ? WHERE id = ?",
                    arguments: [state, result, error, at, at, id])
            }
        }
    }
}
