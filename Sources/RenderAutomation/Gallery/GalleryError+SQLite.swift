import Foundation
import GRDB

extension GalleryError {
    /// Turns any error from GRDB or the file system into a `GalleryError` about `path`:
    /// SQLITE_BUSY/LOCKED → `.locked`; READONLY, CANTOPEN, PERM, AUTH and I/O errors when the
    /// file or its folder cannot be written → `.notWritable` with the system's reason;
    /// NOTADB/CORRUPT → `.notADatabase`; a `StoredJSONError` → `.corruptRow`; anything else → `.other` with SQLite's message.
    static func wrap(_ error: any Error, path: String) -> GalleryError {
        if let error = error as? GalleryError { return error }
        if let error = error as? StoredJSONError { return .corruptRow(error, path: path) }
        guard let error = error as? DatabaseError else {
            return GalleryError(.other, path: path, message: "gallery database \(path): \(error)")
        }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .locked(path)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .notADatabase(path)
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH, .SQLITE_IOERR:
            if let reason = FileAccess.problem(writing: path) {
                return .notWritable(path, reason: reason)
            }
            if error.resultCode == .SQLITE_READONLY {
                return .notWritable(path, reason: error.message ?? "read-only database")
            }
        default:
            break
        }
        return GalleryError(.other, path: path, message: "gallery database \(path): \(error.message ?? "\(error.resultCode)")")
    }
}

/// Why a database file cannot be written, in the system's words, found with `access(2)`.
enum FileAccess {
    /// The reason `path` (with its `-wal` and `-shm` files, which need the folder writable)
    /// cannot be opened for writing, or nil when nothing is wrong.
    static func problem(writing path: String) -> String? {
        let folder = Environment.directory(of: path)
        if !Environment.fileExists(folder) { return strerror(ENOENT) }
        if Environment.fileExists(path) {
            if let reason = denied(path, R_OK | W_OK) { return reason }
        }
        for companion in [path + "-wal", path + "-shm"] where Environment.fileExists(companion) {
            if let reason = denied(companion, R_OK | W_OK) { return reason }
        }
        return denied(folder, W_OK | X_OK)
    }

    /// The reason the folder `path` cannot be created, from its nearest existing ancestor.
    static func problem(creating path: String) -> String? {
        var ancestor = Environment.directory(of: path)
        while !Environment.fileExists(ancestor) && ancestor != "/" && ancestor != "." {
            ancestor = Environment.directory(of: ancestor)
        }
        if !Environment.isDirectory(ancestor) { return strerror(ENOTDIR) }
        return denied(ancestor, W_OK | X_OK)
    }

    private static func denied(_ path: String, _ mode: Int32) -> String? {
        access(path, mode) == 0 ? nil : strerror(errno)
    }

    private static func strerror(_ code: Int32) -> String {
        #if canImport(Glibc)
        return String(cString: Glibc.strerror(code))
        #else
        return String(cString: Darwin.strerror(code))
        #endif
    }
}
