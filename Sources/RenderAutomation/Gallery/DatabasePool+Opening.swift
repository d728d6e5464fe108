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
