import Foundation
import GRDB

/// Retention: removes from the database what ended longer ago than a period, so that a
/// long-lived database does not grow without bound. One write transaction covers every table:
///
/// - `renders` that are `finished`, `failed` or `stopped` (with their images and metadata rows),
///   and, once the transaction has committed, their work folders when the gallery made them
///   (`NAME-renders/ID`; files anywhere else are the user's and stay);
/// - `jobs` that are `COMPLETED`, `DROPPED`, `KILLED` or `TIMED_OUT`, and their log files in the
///   job log folder;
/// - `pool_tasks` that are `finished`, `failed` or `cancelled`;
/// - `frame_renders` that are `finished`, `failed` or `interrupted`, with all their
///   `frame_chunks` (a frame render still rendering keeps every chunk, even old ones). Chunk logs
///   and frames are in the user's output folder and stay.
///
/// Nothing rendering, queued or running is ever removed, however old. An item's age is from its
/// end (`endedAt`, else its last update).
public enum DatabasePrune {
    public struct Report: Sendable, Equatable {
        public var renders: [Int64] = []
        public var jobs: [Int64] = []
        public var poolTasks = 0
        public var frameRenders: [Int64] = []
        public var frameChunks = 0
        /// Folders and files removed (or, in a dry run, that would be).
        public var files: [String] = []
        public var dryRun = false
        /// Seconds since 1970: what ended before this went.
        public var cutoff: Double = 0

        public var isEmpty: Bool { renders.isEmpty && jobs.isEmpty && poolTasks == 0 && frameRenders.isEmpty && frameChunks == 0 }

        public var jsonValue: JSONValue {
            .object([
                "dryRun": .bool(dryRun),
                "cutoff": .double(cutoff),
                "renders": .array(renders.map { .int($0) }),
                "jobs": .array(jobs.map { .int($0) }),
                "poolTasks": .int(Int64(poolTasks)),
                "frameRenders": .array(frameRenders.map { .int($0) }),
                "frameChunks": .int(Int64(frameChunks)),
                "files": .array(files.map { .string($0) }),
            ])
        }
    }

    static let endedRenders = "state IN ('finished', 'failed', 'stopped')"
    static let endedJobs = "state IN ('COMPLETED', 'DROPPED', 'KILLED', 'TIMED_OUT')"
    static let endedPoolTasks = "state IN ('finished', 'failed', 'cancelled')"
    static let endedFrameRenders = "state IN ('finished', 'failed', 'interrupted')"
    static let age = "COALESCE(endedAt, updatedAt) < ?"

    /// Removes what ended more than `period` before `now` from the database at `path` (a dry run
    /// only reports it). A missing file has nothing to prune and is not created.
    /// - Throws: `GalleryError`.
    public static func prune(path: String, olderThan period: RetentionPeriod, now: Date = Date(), dryRun: Bool = false) throws -> Report {
        var report = Report()
        report.dryRun = dryRun
        report.cutoff = now.timeIntervalSince1970 - period.seconds
        guard FileManager.default.fileExists(atPath: path) else { return report }
        let store = try GalleryStore(path: path)
        let cutoff = report.cutoff
        let jobLogFolder = JobStore.logFolder(database: path)
        var renderFolders: [(id: Int64, dir: String?)] = []
        var jobLogs: [String?] = []
        let select = { (db: Database) throws in
            let rows = try Row.fetchAll(db, sql: "SELECT id, workDir FROM renders WHERE \(endedRenders) AND \(age) ORDER BY id", arguments: [cutoff])
            renderFolders = rows.map { ($0["id"], $0["workDir"]) }
            report.renders = renderFolders.map(\.id)
            if try db.tableExists("jobs") {
                let jobs = try Row.fetchAll(db, sql: "SELECT id, logPath FROM jobs WHERE \(endedJobs) AND \(age) ORDER BY id", arguments: [cutoff])
                report.jobs = jobs.map { $0["id"] }
                jobLogs = jobs.map { $0["logPath"] }
            }
            if try db.tableExists("pool_tasks") {
                report.poolTasks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pool_tasks WHERE \(endedPoolTasks) AND \(age)", arguments: [cutoff]) ?? 0
            }
            if try db.tableExists("frame_renders") {
                report.frameRenders = try Int64.fetchAll(db, sql: "SELECT id FROM frame_renders WHERE \(endedFrameRenders) AND \(age) ORDER BY id", arguments: [cutoff])
                report.frameChunks = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM frame_chunks WHERE renderId IN
                        (SELECT id FROM frame_renders WHERE \(endedFrameRenders) AND \(age))
                    """, arguments: [cutoff]) ?? 0
            }
        }
        if dryRun {
            try store.read(select)
        } else {
            try store.write { db in
                try select(db)
                try db.execute(sql: "DELETE FROM renders WHERE \(endedRenders) AND \(age)", arguments: [cutoff])
                if try db.tableExists("jobs") {
                    try db.execute(sql: "DELETE FROM jobs WHERE \(endedJobs) AND \(age)", arguments: [cutoff])
                }
                if try db.tableExists("pool_tasks") {
                    try db.execute(sql: "DELETE FROM pool_tasks WHERE \(endedPoolTasks) AND \(age)", arguments: [cutoff])
                }
                if try db.tableExists("frame_renders") {
                    try db.execute(sql: """
                        DELETE FROM frame_chunks WHERE renderId IN
                            (SELECT id FROM frame_renders WHERE \(endedFrameRenders) AND \(age))
                        """, arguments: [cutoff])
                    try db.execute(sql: "DELETE FROM frame_renders WHERE \(endedFrameRenders) AND \(age)", arguments: [cutoff])
                }
            }
        }
        // Files only after the rows are gone for good: a failed transaction removes nothing.
        for (id, dir) in renderFolders {
            guard let dir, dir == store.managedWorkDir(for: id), GalleryStore.isRealDirectory(dir) else { continue }
            report.files.append(dir)
            if !dryRun { try? FileManager.default.removeItem(atPath: dir) }
        }
        for case let log? in jobLogs where log.hasPrefix(jobLogFolder + "/") && FileManager.default.fileExists(atPath: log) {
            report.files.append(log)
            if !dryRun { unlink(log) }
        }
        return report
    }
}
