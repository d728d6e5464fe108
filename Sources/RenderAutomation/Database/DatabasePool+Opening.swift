import Foundation
import GRDB

extension DatabasePool {
    /// Opens a pool on `path`, retrying while another process holds the lock that switching a
    /// new file to WAL takes (SQLite does not call the busy handler there), for at most
    /// `timeout` seconds. Several rscript processes may open a new database at once.
    static func openRetryingWhileBusy(path: String, configuration: Configuration, timeout: TimeInterval) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                if Date() > deadline { throw error }
                usleep(20_000)
            }
        }
    }
}

extension DatabasePool {
    /// Opens the gallery's database file for one component that adds its own tables (frame
    /// chunks, pool tasks): creates the file and its folder when missing, refuses other
    /// programs' files, and runs `schema` once, in the gallery's migration transaction, when
    /// `rscript_schemas` does not yet record `component` at `version`.
    static func openComponent(
        path: String, label: String, component: String, version: Int, schema: String,
        busyTimeout: TimeInterval, readers: Int = 1
    ) throws -> DatabasePool {
        if Environment.isDirectory(path) {
            throw GalleryError(.notADatabase, path: path, message: "\(path) is a folder, not an rscript database")
        }
        if !FileManager.default.fileExists(atPath: path) { try GalleryStore.createFolder(of: path) }
        try GallerySchema.checkHeader(path: path)
        var configuration = Configuration()
        configuration.label = label
        configuration.busyMode = .timeout(busyTimeout)
        configuration.maximumReaderCount = readers
        do {
            let pool = try openRetryingWhileBusy(path: path, configuration: configuration, timeout: busyTimeout)
            let current = try pool.read { db -> Bool in
                guard try GallerySchema.isCurrent(db, path: path), try db.tableExists("rscript_schemas") else { return false }
                let recorded = try Int.fetchOne(db, sql: "SELECT version FROM rscript_schemas WHERE component = ?", arguments: [component]) ?? 0
                return recorded >= version
            }
            if !current {
                try pool.write { db in
                    try GallerySchema.migrate(db, path: path)
                    try db.execute(sql: schema)
                    try db.execute(sql: "INSERT OR REPLACE INTO rscript_schemas (component, version) VALUES (?, ?)",
                                   arguments: [component, version])
                }
            }
            RetentionPeriod.applyConfigured(path: path)
            return pool
        } catch let error as GalleryError {
            throw error
        } catch {
            throw GalleryError.wrap(error, path: path)
        }
    }
}
