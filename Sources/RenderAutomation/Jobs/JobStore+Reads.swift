import Foundation
import GRDB

extension JobStore {
    /// The job with `id`, or nil.
    public func job(id: Int64) throws -> JobRecord? {
        try read { db in
            try Row.fetchOne(db, sql: Self.selectJobs + " WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    /// The newest job named `name`, or nil.
    public func job(named name: String) throws -> JobRecord? {
        try read { db in
            try Row.fetchOne(db, sql: Self.selectJobs + " WHERE name = ? ORDER BY id DESC LIMIT 1", arguments: [name])
                .map(Self.record)
        }
    }

    /// The job a user means by `reference`: its numeric id, else the newest job of that name.
    /// - Throws: `JobError.unknownJob` (`no job 42 in /path`).
    public func resolve(_ reference: String) throws -> JobRecord {
        if let id = Int64(reference), let job = try job(id: id) { return job }
        if Int64(reference) == nil, let job = try job(named: reference) { return job }
        throw JobError.unknownJob(reference, path: path)
    }

    /// Jobs, newest first; `state` filters, `limit` caps.
    public func list(limit: Int? = nil, state: JobState? = nil) throws -> [JobRecord] {
        try read { db in
            var sql = Self.selectJobs
            var arguments: StatementArguments = []
            if let state {
                sql += " WHERE state = ?"
                arguments += [state.rawValue]
            }
            sql += " ORDER BY id DESC"
            if let limit {
                sql += " LIMIT ?"
                arguments += [max(0, limit)]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.record)
        }
    }

    /// Jobs waiting or running whose runtime is gone, or that no runtime owns (oldest first):
    /// what `recover` would take.
    public func orphans() throws -> [JobRecord] {
        try read { db in
            try Row.fetchAll(db, sql: Self.selectJobs + " WHERE state IN ('QUEUED', 'ACTIVE') ORDER BY id")
                .map(Self.record).filter(\.isOrphaned)
        }
    }

    // MARK: Decoding rows

    static let selectJobs = """
        SELECT id, name, script, passedData, timeout, maxAttempts, state, attempts, progress, progressMessage,
               result, errorMessage, errorTraceback, logPath, ownerPid, ownerStart, workerPid, workerStart,
               createdAt, startedAt, endedAt, updatedAt
        FROM jobs
        """

    static func record(_ row: Row) throws -> JobRecord {
        let id: Int64 = row["id"]
        func json(_ text: String?, _ column: String) throws -> JSONValue? {
            guard let text else { return nil }
            return try StoredJSONError.decode(text, table: "jobs", row: "id \(id)", column: column)
        }
        func date(_ seconds: Double?) -> Date? { seconds.map { Date(timeIntervalSince1970: $0) } }
        func identity(_ pid: Int32?, _ start: Int64?) -> ProcessIdentity? {
            pid.map { ProcessIdentity(pid: $0, startTime: start) }
        }
        let stateText: String = row["state"]
        let message: String? = row["errorMessage"]
        return JobRecord(
            id: id,
            name: row["name"],
            script: row["script"],
            passedData: try json(row["passedData"], "passedData") ?? .null,
            timeout: row["timeout"],
            maxAttempts: row["maxAttempts"],
            state: JobState(rawValue: stateText) ?? .dropped,
            attempts: row["attempts"],
            progress: row["progress"],
            progressMessage: row["progressMessage"],
            result: try json(row["result"], "result"),
            error: message.map { JobRecord.Failure(message: $0, traceback: row["errorTraceback"]) },
            logPath: row["logPath"],
            owner: identity(row["ownerPid"], row["ownerStart"]),
            worker: identity(row["workerPid"], row["workerStart"]),
            createdAt: date(row["createdAt"]) ?? Date(timeIntervalSince1970: 0),
            startedAt: date(row["startedAt"]),
            endedAt: date(row["endedAt"]),
            updatedAt: date(row["updatedAt"]) ?? Date(timeIntervalSince1970: 0))
    }

    static func fetch(_ db: Database, id: Int64) throws -> JobRecord? {
        try Row.fetchOne(db, sql: selectJobs + " WHERE id = ?", arguments: [id]).map(record)
    }
}
