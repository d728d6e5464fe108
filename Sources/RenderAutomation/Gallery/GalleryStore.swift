import Foundation
import GRDB

/// The render gallery: one SQLite database file holding every render's snapshot, written as the
/// render changes so that other processes (`rscript gallery watch`) see it live.
///
/// - Concurrency: every method is synchronous, throwing, and safe to call from any thread; the
///   store is `Sendable`. Several stores, in one process or several, may write the same file at
///   once: the database is in WAL mode, each write is one `BEGIN IMMEDIATE` transaction, and a
///   writer that finds the file busy waits up to `busyTimeout` before throwing
///   `GalleryError.locked`. Readers never wait for writers.
/// - Durability: a write that returned is in the WAL file; a crash or `kill -9` of any process
///   at any moment loses nothing that returned and never corrupts the file. (Synchronous mode is
///   SQLite's NORMAL: after an operating-system crash or power loss the last few writes may be
///   rolled back, still without corruption.)
/// - Cost: a write is one small transaction (no fsync). Appending an image inserts one row;
///   merging metadata upserts one row per key; neither rewrites the history or the other keys.
///   To record many changes at once (one poll turn of many renders), use `apply(_:)`.
/// - Errors: every method throws `GalleryError` only.
public final class GalleryStore: Sendable {
    /// The database file.
    public let path: String
    /// Opened without write access (`readOnly: true`).
    public let isReadOnly: Bool
    let pool: DatabasePool

    /// Opens (and creates, with its folder, unless `readOnly`) the gallery database at `path`,
    /// bringing its schema up to date.
    ///
    /// - Parameters:
    ///   - readOnly: open for reading only: never creates, migrates or writes the file; the
    ///     writing methods then throw `.notWritable`.
    ///   - busyTimeout: how long a write waits for another process's write to end.
    /// - Throws: `GalleryError` — `.notWritable` (folder or file not writable),
    ///   `.notADatabase` (not SQLite, or another program's database; the file is left
    ///   untouched), `.newerSchema`, `.locked`, `.missing` (read-only and no file).
    public init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval = 5) throws {
        self.path = path
        self.isReadOnly = readOnly
        if Environment.isDirectory(path) {
            throw GalleryError(.notADatabase, path: path, message: "\(path) is a folder, not an rscript gallery database")
        }
        let fileExists = FileManager.default.fileExists(atPath: path)
        if readOnly && !fileExists {
            throw GalleryError(.missing, path: path, message: "the gallery database \(path) does not exist")
        }
        if !readOnly && !fileExists {
            try Self.createFolder(of: path)
        }
        try GallerySchema.checkHeader(path: path)
        var configuration = Configuration()
        configuration.label = "rscript.gallery"
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(busyTimeout)
        configuration.maximumReaderCount = 2
        do {
            pool = try DatabasePool.openRetryingWhileBusy(path: path, configuration: configuration, timeout: busyTimeout)
        } catch {
            throw GalleryError.wrap(error, path: path)
        }
        if readOnly {
            try read { db in try GallerySchema.check(db, path: path) }
        } else if try !read({ db in try GallerySchema.isCurrent(db, path: path) }) {
            // Only a new or older file takes the write lock on open.
            try write { db in try GallerySchema.migrate(db, path: path) }
        }
        if !readOnly { RetentionPeriod.applyConfigured(path: path) }
    }

    /// The database used when none is given: `$RSCRIPT_DB`, else
    /// `$XDG_DATA_HOME/rscript/rscript.db`, else `~/.local/share/rscript/rscript.db`. Creates
    /// the folder of the last two when missing (errors are left for `init(path:)` to report).
    public static func defaultPath() -> String {
        if let db = Environment.get("RSCRIPT_DB"), !db.isEmpty { return db }
        let dataHome: String
        if let xdg = Environment.get("XDG_DATA_HOME"), xdg.hasPrefix("/") {
            dataHome = xdg
        } else {
            let home = Environment.get("HOME").flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            dataHome = home + "/.local/share"
        }
        let folder = dataHome + "/rscript"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/rscript.db"
    }

    static func createFolder(of path: String) throws {
        let folder = Environment.directory(of: path)
        guard !Environment.isDirectory(folder) else { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw GalleryError.cannotCreateFolder(folder, database: path, reason: FileAccess.problem(creating: folder) ?? "\(error)")
        }
    }

    // MARK: Transactions

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE ... COMMIT), mapping errors.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        if isReadOnly {
            throw GalleryError.notWritable(path, reason: "opened read-only")
        }
        do {
            return try pool.write { db in try body(db) }
        } catch {
            throw GalleryError.wrap(error, path: path)
        }
    }

    /// Runs `body` in one read transaction (a consistent snapshot of the file), mapping errors.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(db) }
        } catch {
            throw GalleryError.wrap(error, path: path)
        }
    }
}
