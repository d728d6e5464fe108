import Foundation
import GRDB

extension JobStore {
    /// What `add_job` records.
    public struct NewJob: Sendable {
        public var name: String
        public var script: String
        public var passedData: JSONValue
        public var timeout: Double?
        public var maxAttempts: Int
        /// `farm = "slurm"`: the sbatch options (`{partition=, time=, mem=, cpus=}`); nil runs locally.
        public var slurm: JSONValue?

        public init(name: String, script: String, passedData: JSONValue = .object([:]), timeout: Double? = nil, maxAttempts: Int = 1) {
            self.name = name
            self.script = script
            self.passedData = passedData
            self.timeout = timeout
            self.maxAttempts = maxAttempts
        }
    }

    /// Records a new job, QUEUED and owned by `owner`, with its log file `logFolder/ID.log`
    /// (the folder is created). When this returns, the job is durable.
    /// - Throws: `JobError` (`.database`; `databaseKind` `.notWritable` when the log folder cannot
    ///   be made: the message names it and the system's reason).
    public func insert(_ job: NewJob, owner: ProcessIdentity?) throws -> JobRecord {
        try write(insertion(job, owner: owner))
    }

    /// `insert` as a write for the writer's thread (the log folder is made there too).
    func insertion(_ job: NewJob, owner: ProcessIdentity?) -> @Sendable (Database) throws -> JobRecord {
        let folder = logFolder
        let path = self.path
        let now = Date().timeIntervalSince1970
        return { db in
            if !Environment.isDirectory(folder) {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    // No job is recorded whose log could not be written.
                    let reason = FileAccess.problem(creating: folder) ?? "\(error)"
                    throw JobError(.database, "cannot create the job log folder \(folder): \(reason)", databaseKind: .notWritable)
                }
            }
            try db.execute(
                sql: """
                    INSERT INTO jobs (name, script, passedData, timeout, maxAttempts, state, ownerPid, ownerStart,
                                      createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, 'QUEUED', ?, ?, ?, ?)
                    """,
                arguments: [job.name, job.script, job.passedData.jsonText, job.timeout, job.maxAttempts,
                            owner?.pid, owner?.startTime, now, now])
            let id = db.lastInsertedRowID
            try db.execute(sql: "UPDATE jobs SET logPath = ? WHERE id = ?", arguments: ["\(folder)/\(id).log", id])
            if let slurm = job.slurm { try Self.insertSlurm(db, id: id, options: slurm) }
            guard let record = try Self.fetch(db, id: id) else { throw JobError.unknownJob(String(id), path: path) }
            return record
        }
    }

    /// The outcome of a conditional change: whether it applied, and the row as it now is
    /// (nil when the job was deleted).
    public struct Change: Sendable {
        public var applied: Bool
        public var record: JobRecord?
    }

    /// Starts an attempt: QUEUED → ACTIVE, `attempts` + 1, `startedAt` now, progress 0 —
    /// only if the job is QUEUED and owned by `owner`.
    public func claim(id: Int64, owner: ProcessIdentity) throws -> Change {
        try write(claiming(id: id, owner: owner))
    }

    /// `claim` as a write for the writer's thread.
    func claiming(id: Int64, owner: ProcessIdentity) -> @Sendable (Database) throws -> Change {
        let now = Date().timeIntervalSince1970
        return Self.conditionally(id: id, owner: owner, from: ["QUEUED"]) { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'ACTIVE', attempts = attempts + 1, startedAt = ?, endedAt = NULL,
                                    progress = 0, progressMessage = NULL, workerPid = NULL, workerStart = NULL,
                                    updatedAt = ?
                    WHERE id = ?
                    """,
                arguments: [now, now, id])
        }
    }

    /// Records the worker process of the running attempt.
    public func setWorker(id: Int64, worker: ProcessIdentity) throws {
        try write { db in try Self.setWorker(db, id: id, worker: worker) }
    }

    static func setWorker(_ db: Database, id: Int64, worker: ProcessIdentity) throws {
        try db.execute(
            sql: "UPDATE jobs SET workerPid = ?, workerStart = ?, updatedAt = ? WHERE id = ?",
            arguments: [worker.pid, worker.startTime, Date().timeIntervalSince1970, id])
    }

    /// Writes the progress of several running jobs in one transaction (jobs no longer ACTIVE
    /// are skipped).
    public func saveProgress(_ updates: [(id: Int64, fraction: Double, message: String?)]) throws {
        guard !updates.isEmpty else { return }
        let progress = updates.map { Progress(id: $0.id, fraction: $0.fraction, message: $0.message) }
        try write { db in try Self.saveProgress(db, progress) }
    }

    /// One running job's progress, as queued to the writer.
    struct Progress: Sendable {
        var id: Int64
        var fraction: Double
        var message: String?
    }

    static func saveProgress(_ db: Database, _ updates: [Progress]) throws {
        let now = Date().timeIntervalSince1970
        let statement = try db.cachedStatement(
            sql: "UPDATE jobs SET progress = ?, progressMessage = ?, updatedAt = ? WHERE id = ? AND state = 'ACTIVE'")
        for update in updates {
            try statement.execute(arguments: [update.fraction, update.message, now, update.id])
        }
    }

    /// Ends a job (COMPLETED, DROPPED, KILLED or TIMED_OUT) — only if it is QUEUED or ACTIVE
    /// and owned by `owner` (any owner when nil).
    public func finish(
        id: Int64, owner: ProcessIdentity?, state: JobState, result: JSONValue? = nil,
        error: JobRecord.Failure? = nil, progress: (Double, String?)? = nil
    ) throws -> Change {
        try write(finishing(id: id, owner: owner, state: state, result: result, error: error, progress: progress))
    }

    /// `finish` as a write for the writer's thread.
    func finishing(
        id: Int64, owner: ProcessIdentity?, state: JobState, result: JSONValue? = nil,
        error: JobRecord.Failure? = nil, progress: (Double, String?)? = nil
    ) -> @Sendable (Database) throws -> Change {
        precondition(state.isEnded, "finish needs an ending state")
        let now = Date().timeIntervalSince1970
        let fraction = progress?.0
        let message = progress?.1
        return Self.conditionally(id: id, owner: owner, from: ["QUEUED", "ACTIVE"]) { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = ?, result = ?, errorMessage = ?, errorTraceback = ?, endedAt = ?, updatedAt = ?
                    WHERE id = ?
                    """,
                arguments: [state.rawValue, result?.jsonText, error?.message, error?.traceback, now, now, id])
            if let fraction {
                try db.execute(sql: "UPDATE jobs SET progress = ?, progressMessage = ? WHERE id = ?",
                               arguments: [fraction, message, id])
            }
        }
    }

    /// An attempt failed and another is allowed: ACTIVE → QUEUED with the attempt's error.
    public func requeue(id: Int64, owner: ProcessIdentity, error: JobRecord.Failure) throws -> Change {
        try write(requeueing(id: id, owner: owner, error: error))
    }

    /// `requeue` as a write for the writer's thread.
    func requeueing(id: Int64, owner: ProcessIdentity, error: JobRecord.Failure) -> @Sendable (Database) throws -> Change {
        let now = Date().timeIntervalSince1970
        return Self.conditionally(id: id, owner: owner, from: ["ACTIVE"]) { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'QUEUED', errorMessage = ?, errorTraceback = ?, workerPid = NULL,
                                    workerStart = NULL, updatedAt = ?
                    WHERE id = ?
                    """,
                arguments: [error.message, error.traceback, now, id])
        }
    }

    /// Runs `body` only when the job is in one of `states` and owned by `owner` (any owner
    /// when nil), in one transaction; returns whether it ran and the row after.
    private static func conditionally(
        id: Int64, owner: ProcessIdentity?, from states: Set<String>, _ body: @escaping @Sendable (Database) throws -> Void
    ) -> @Sendable (Database) throws -> Change {
        { db -> Change in
            guard let current = try Self.fetch(db, id: id) else { return Change(applied: false, record: nil) }
            guard states.contains(current.state.rawValue), owner == nil || current.owner == owner else {
                return Change(applied: false, record: current)
            }
            try body(db)
            return Change(applied: true, record: try Self.fetch(db, id: id))
        }
    }

    // MARK: Recovery

    /// What `recover` did.
    public struct Recovery: Sendable {
        /// Jobs now QUEUED and owned by the caller, oldest first (those that were ACTIVE among them).
        public var adopted: [JobRecord] = []
        /// Adopted jobs still ACTIVE: their attempt runs on Slurm, and is followed there.
        public var followedOnSlurm: Set<Int64> = []
        /// The ids of adopted jobs that were ACTIVE under a dead runtime (queued again).
        public var requeued: Set<Int64> = []
        /// Jobs that were ACTIVE under a dead runtime with no attempt left: now DROPPED.
        public var dropped: [JobRecord] = []
        /// Orphaned workers (of a dead runtime) that were still alive and were killed.
        public var killedWorkers: [ProcessIdentity] = []
    }

    /// Takes over the jobs no live runtime serves: those QUEUED or ACTIVE whose owner is dead,
    /// and those QUEUED with no owner (`rscript jobs retry`). An ACTIVE one's worker, if still
    /// alive, is killed (its process tree); then the job is QUEUED again for `owner`, or DROPPED
    /// when its attempts are used up. With `only`, just that job (if it is such a job).
    ///
    /// One transaction: two runtimes recovering at once never both take a job.
    public func recover(owner: ProcessIdentity, only: Int64? = nil) throws -> Recovery {
        try write(recovering(owner: owner, only: only))
    }

    /// `recover` as a write for the writer's thread.
    func recovering(owner: ProcessIdentity, only: Int64? = nil) -> @Sendable (Database) throws -> Recovery {
        let now = Date().timeIntervalSince1970
        return { db -> Recovery in
            var recovery = Recovery()
            var sql = Self.selectJobs + " WHERE state IN ('QUEUED', 'ACTIVE')"
            var arguments: StatementArguments = []
            if let only {
                sql += " AND id = ?"
                arguments += [only]
            }
            let candidates = try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map(Self.record)
            let onSlurm = try Self.slurmRows(db, ids: candidates.filter { $0.state == .active }.map(\.id))
            for job in candidates where job.owner != owner && (job.owner.map { !$0.isAlive } ?? true) {
                let previous = job.owner.map { "its rscript process (pid \($0.pid))" } ?? "its rscript process"
                if job.state == .active, let row = onSlurm[job.id], row.slurmJob != nil, row.folder != nil {
                    // Its attempt runs on Slurm, not under the dead runtime: followed, not run again.
                    try db.execute(
                        sql: "UPDATE jobs SET ownerPid = ?, ownerStart = ?, updatedAt = ? WHERE id = ?",
                        arguments: [owner.pid, owner.startTime, now, job.id])
                    recovery.followedOnSlurm.insert(job.id)
                } else if job.state == .active {
                    if let worker = job.worker, worker.killTree() { recovery.killedWorkers.append(worker) }
                    if job.attempts >= job.maxAttempts {
                        let message = "\(previous) died while the job ran (attempt \(job.attempts) of \(job.maxAttempts))"
                        try db.execute(
                            sql: """
                                UPDATE jobs SET state = 'DROPPED', errorMessage = ?, errorTraceback = NULL, endedAt = ?,
                                                updatedAt = ?, ownerPid = ?, ownerStart = ?
                                WHERE id = ?
                                """,
                            arguments: [message, now, now, owner.pid, owner.startTime, job.id])
                        if let record = try Self.fetch(db, id: job.id) { recovery.dropped.append(record) }
                        continue
                    }
                    let message = "\(previous) died while the job ran (attempt \(job.attempts) of \(job.maxAttempts)); queued again"
                    try db.execute(
                        sql: """
                            UPDATE jobs SET state = 'QUEUED', errorMessage = ?, errorTraceback = NULL, workerPid = NULL,
                                            workerStart = NULL, updatedAt = ?, ownerPid = ?, ownerStart = ?
                            WHERE id = ?
                            """,
                        arguments: [message, now, owner.pid, owner.startTime, job.id])
                    recovery.requeued.insert(job.id)
                } else {
                    try db.execute(
                        sql: "UPDATE jobs SET ownerPid = ?, ownerStart = ?, updatedAt = ? WHERE id = ?",
                        arguments: [owner.pid, owner.startTime, now, job.id])
                }
                if let record = try Self.fetch(db, id: job.id) { recovery.adopted.append(record) }
            }
            return recovery
        }
    }

    // MARK: From the command line

    /// Queues an ended job again (DROPPED, KILLED or TIMED_OUT): attempts, progress, result and
    /// error are reset and no runtime owns it, so the next one that serves the queue runs it.
    /// - Throws: `.unknownJob`; `.invalidArgument` when the job has not ended, or COMPLETED.
    public func retry(id: Int64) throws -> JobRecord {
        let now = Date().timeIntervalSince1970
        return try write { db -> JobRecord in
            guard let job = try Self.fetch(db, id: id) else { throw JobError.unknownJob(String(id), path: path) }
            guard job.state.isRetryable else {
                throw JobError.invalid("job \(id) (\(job.name)) is \(job.state.rawValue); only a DROPPED, KILLED or TIMED_OUT job can be retried")
            }
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'QUEUED', attempts = 0, progress = 0, progressMessage = NULL, result = NULL,
                                    errorMessage = NULL, errorTraceback = NULL, ownerPid = NULL, ownerStart = NULL,
                                    workerPid = NULL, workerStart = NULL, startedAt = NULL, endedAt = NULL, updatedAt = ?
                    WHERE id = ?
                    """,
                arguments: [now, id])
            return try Self.fetch(db, id: id) ?? job
        }
    }

    /// Kills a job from any process: a running attempt's worker (its whole process tree, if it is
    /// still that process) and the job is KILLED with `reason`. The runtime serving it sees
    /// its worker die and takes the KILLED state from the database.
    /// - Returns: the change (`applied` false when the job had already ended).
    public func kill(id: Int64, reason: String = "killed (rscript jobs kill)") throws -> Change {
        let now = Date().timeIntervalSince1970
        return try write { db -> Change in
            guard let job = try Self.fetch(db, id: id) else { throw JobError.unknownJob(String(id), path: path) }
            guard !job.state.isEnded else { return Change(applied: false, record: job) }
            if job.state == .active, let worker = job.worker { worker.killTree() }
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'KILLED', errorMessage = ?, errorTraceback = NULL, endedAt = ?, updatedAt = ?
                    WHERE id = ?
                    """,
                arguments: [reason, now, now, id])
            return Change(applied: true, record: try Self.fetch(db, id: id))
        }
    }

    /// Deletes the job's row and its log file. False when there was no such job.
    @discardableResult
    public func delete(id: Int64) throws -> Bool {
        let deleted = try write(deletion(id: id))
        removeLog(of: deleted)
        return deleted.found
    }

    /// What a deletion removed: whether the row existed, and its log file (removed once the
    /// deletion committed: `removeLog(of:)`).
    struct Deletion: Sendable {
        var found: Bool
        var log: String?
    }

    /// `delete`'s row removal as a write for the writer's thread.
    func deletion(id: Int64) -> @Sendable (Database) throws -> Deletion {
        { db -> Deletion in
            guard let job = try Self.fetch(db, id: id) else { return Deletion(found: false) }
            try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
            return Deletion(found: true, log: job.logPath)
        }
    }

    /// Removes a deleted job's log file (only one inside the store's log folder).
    func removeLog(of deleted: Deletion) {
        if let log = deleted.log, log.hasPrefix(logFolder + "/") { unlink(log) }
    }
}
