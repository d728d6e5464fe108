import Foundation
import GRDB

/// The persistent job queue: the `jobs` table in the gallery's SQLite database file. Every job
/// is written before `add_job` returns, and every change of state as it happens, so a `kill -9`
/// of the runtime loses no acknowledged job: the next runtime that opens the queue recovers it
/// (`recover(owner:only:)`).
///
/// - Concurrency: every method is synchronous, throwing, and safe from any thread; several
///   stores in several processes may write the file at once (WAL; each write one BEGIN
///   IMMEDIATE transaction; a writer waits up to `busyTimeout` for another). Changes of state
///   are conditional (`WHERE state = ... AND owner = ...`), so a runtime never overwrites what
///   another process decided (`rscript jobs kill`): it reads the row back instead.
/// - Durability: as `GalleryStore` (a write that returned survives any process crash).
/// - Errors: every method throws `JobError` only.
///
/// Writes go through `writer`, one thread in order: the synchronous methods wait for it (with
/// the busy timeout, as before); a runtime queues its progress and worker records there without
/// waiting, and they still land in order with the job's other changes.
public final class JobStore: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    let writer: DatabaseWriter

    /// Opens (and creates, with its folder) the database at `path`, adding the job tables.
    /// - Throws: `JobError` (`.database`: not writable, not an rscript database, newer schema,
    ///   locked).
    public init(path: String, busyTimeout: TimeInterval = 5) throws {
        self.path = path
        do {
            if Environment.isDirectory(path) {
                throw GalleryError(.notADatabase, path: path, message: "\(path) is a folder, not an rscript database")
            }
            if !FileManager.default.fileExists(atPath: path) { try GalleryStore.createFolder(of: path) }
            try GallerySchema.checkHeader(path: path)
            var configuration = Configuration()
            configuration.label = "rscript.jobs"
            configuration.busyMode = .timeout(busyTimeout)
            configuration.maximumReaderCount = 2
            pool = try DatabasePool.openRetryingWhileBusy(path: path, configuration: configuration, timeout: busyTimeout)
        } catch {
            throw JobError.database(error, path: path)
        }
        writer = DatabaseWriter(pool: pool, label: "rscript.jobs.writer") { [path] error in
            JobError.database(error, path: path).description
        }
        if try !read({ db in try JobSchema.isCurrent(db, path: path) }) {
            try write { db in try JobSchema.migrate(db, path: path) }
        }
        RetentionPeriod.applyConfigured(path: path)
    }

    /// The database used when none is given: the gallery's (`$RSCRIPT_DB`, else
    /// `~/.local/share/rscript/rscript.db`).
    public static func defaultPath() -> String { GalleryStore.defaultPath() }

    /// The folder of the per-job log files: beside the database, named after it
    /// (`~/.local/share/rscript/rscript-jobs` for `rscript.db`).
    public var logFolder: String { Self.logFolder(database: path) }

    static func logFolder(database path: String) -> String {
        let folder = Environment.directory(of: path)
        var name = String(path.split(separator: "/").last ?? "rscript")
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        return folder + "/" + name + "-jobs"
    }

    // MARK: Transactions

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.syncInPlace(body)
        } catch {
            throw JobError.database(error, path: path)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(db) }
        } catch {
            throw JobError.database(error, path: path)
        }
    }
}
