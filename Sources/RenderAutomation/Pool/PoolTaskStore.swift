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
public final class PoolTaskStore: Sendable {
    public let path: String
    let pool: DatabasePool

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

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write { db in try body(db) }
        } catch {
            throw GalleryError.wrap(error, path: path)
        }
    }

    /// Records submitted tasks (`queued`), in one transaction; returns their row ids in order.
    func insert(pool number: Int, ownerPid: Int32, _ items: [PoolItem]) throws -> [Int64] {
        let now = Date().timeIntervalSince1970
        return try write { db in
            try items.map { item in
                try db.execute(
                    sql: """
                        INSERT INTO pool_tasks (pool, ownerPid, label, script, arguments, state, createdAt, updatedAt)
                        VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)
                        """,
                    arguments: [number, ownerPid, item.label, item.script, JSONValue.array(item.arguments).jsonText, now, now])
                return db.lastInsertedRowID
            }
        }
    }

    /// A change to a recorded task, applied in batches (one transaction per loop turn).
    enum Update {
        case started(id: Int64, attempt: Int, worker: Int, workerPid: Int32, at: Double)
        case ended(id: Int64, state: String, result: String?, error: String?, at: Double)
    }

    func apply(_ updates: [Update]) throws {
        guard !updates.isEmpty else { return }
        try write { db in
            for update in updates {
                switch update {
                case .started(let id, let attempt, let worker, let workerPid, let at):
                    try db.execute(
                        sql: "UPDATE pool_tasks SET state = 'running', attempts = ?, worker = ?, workerPid = ?, startedAt = ?, updatedAt = ? WHERE id = ?",
                        arguments: [attempt, worker, workerPid, at, at, id])
                case .ended(let id, let state, let result, let error, let at):
                    try db.execute(
                        sql: "UPDATE pool_tasks SET state = ?, result = ?, error = ?, endedAt = ?, updatedAt = ? WHERE id = ?",
                        arguments: [state, result, error, at, at, id])
                }
            }
        }
    }
}
