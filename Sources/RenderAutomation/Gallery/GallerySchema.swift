import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// The gallery's tables and their migrations.
///
/// A gallery database carries `PRAGMA application_id = 0x7273676C` ("rsgl") and its schema
/// version in `PRAGMA user_version`. The migration runs inside the opener's write transaction
/// (BEGIN IMMEDIATE), so two processes opening a new file at once cannot both create the tables;
/// that is why this is not GRDB's `DatabaseMigrator`, which reads the applied migrations outside
/// the transaction that applies them.
///
/// Tables (schema 1):
/// - `renders`: one row per render; `options` is JSON text; `changeCount` is bumped by every
///   write that concerns the render (`watch` polls it).
/// - `render_images`: one row per `updateImagePath` call, in insertion order (`id`).
/// - `render_metadata`: one row per metadata key, the value as JSON text.
enum GallerySchema {
    static let applicationID: Int32 = 0x7273_676C
    static let currentVersion = 1

    static let version1 = """
        CREATE TABLE renders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            label TEXT NOT NULL,
            renderer TEXT NOT NULL,
            scene TEXT NOT NULL,
            options TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('rendering', 'finished', 'failed', 'stopped')),
            startedAt REAL NOT NULL,
            endedAt REAL,
            updatedAt REAL NOT NULL,
            logPath TEXT,
            workDir TEXT,
            errorMessage TEXT,
            errorTraceback TEXT,
            pid INTEGER,
            changeCount INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX renders_by_state ON renders(state, id);
        CREATE TABLE render_images (
            id INTEGER PRIMARY KEY,
            renderId INTEGER NOT NULL REFERENCES renders(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            time REAL NOT NULL
        );
        CREATE INDEX render_images_by_render ON render_images(renderId, id);
        CREATE TABLE render_metadata (
            renderId INTEGER NOT NULL REFERENCES renders(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (renderId, key)
        ) WITHOUT ROWID;
        """

    /// Creates or upgrades the schema; refuses other programs' databases and newer schemas.
    /// Runs inside a write transaction.
    static func migrate(_ db: Database, path: String) throws {
        let (applicationID, version) = try identity(db)
        if applicationID == Self.applicationID {
            if version > currentVersion { throw GalleryError.newerSchema(path, version: version, known: currentVersion) }
            // Later schemas add their steps here: if version < 2 { ... }
            if version < currentVersion { try db.execute(sql: "PRAGMA user_version = \(currentVersion)") }
            return
        }
        guard applicationID == 0, try isEmpty(db) else { throw GalleryError.notADatabase(path) }
        try db.execute(sql: version1)
        try db.execute(sql: "PRAGMA application_id = \(Self.applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(currentVersion)")
    }

    /// For a read-only store: the file must already be a gallery this rscript understands.
    static func check(_ db: Database, path: String) throws {
        let (applicationID, version) = try identity(db)
        guard applicationID == Self.applicationID else { throw GalleryError.notADatabase(path) }
        if version > currentVersion { throw GalleryError.newerSchema(path, version: version, known: currentVersion) }
    }

    /// True when the file is a gallery at the current schema (nothing to migrate); throws
    /// `.newerSchema` for a newer one.
    static func isCurrent(_ db: Database, path: String) throws -> Bool {
        let (applicationID, version) = try identity(db)
        guard applicationID == Self.applicationID else { return false }
        if version > currentVersion { throw GalleryError.newerSchema(path, version: version, known: currentVersion) }
        return version == currentVersion
    }

    private static func identity(_ db: Database) throws -> (Int32, Int) {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        return (applicationID, version)
    }

    private static func isEmpty(_ db: Database) throws -> Bool {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") == 0
    }

    /// Refuses, before SQLite touches it, a file that is not SQLite, or that is another program's
    /// rollback-journal SQLite database (opening it would switch it to WAL mode). A WAL-mode file
    /// may hold our identity in its WAL only, so it is checked after opening, by `migrate`.
    ///
    /// A file this process already holds open is not read again (it was checked when first
    /// opened): reading means opening and closing a descriptor of the file, and closing any
    /// descriptor drops every POSIX lock this process holds on the file, SQLite's included. A
    /// second store opened on a file that a first one holds would leave it unlocked, so another
    /// process's last connection would think itself alone, checkpoint, and delete the WAL file
    /// this process still commits into (its writes then land in a file nobody else can see).
    static func checkHeader(path: String) throws {
        if isOpenInThisProcess(path) { return }
        try readHeader(path: path)
    }

    /// Whether a descriptor of this process refers to the file at `path` (same device and inode).
    static func isOpenInThisProcess(_ path: String) -> Bool {
        var target = stat()
        guard stat(path, &target) == 0, let directory = opendir("/proc/self/fd") else { return false }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd != own else { continue }
            var info = stat()
            if fstat(fd, &info) == 0, info.st_dev == target.st_dev, info.st_ino == target.st_ino { return true }
        }
        return false
    }

    private static func readHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }  // missing: new file
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        if header.isEmpty { return }  // an empty file is a new database to SQLite
        let magic = Array("SQLite format 3\0".utf8)
        guard header.count == 100, Array(header.prefix(16)) == magic else { throw GalleryError.notADatabase(path) }
        let bytes = Array(header)
        let isWAL = bytes[18] == 2 && bytes[19] == 2
        let applicationID = bytes[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if !isWAL && Int32(bitPattern: applicationID) != Self.applicationID {
            throw GalleryError.notADatabase(path)
        }
    }
}
