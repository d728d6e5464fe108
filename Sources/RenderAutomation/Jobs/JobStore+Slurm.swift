import GRDB

/// Jobs that run on Slurm (`add_job(..., {farm = "slurm"})`): table `slurm_jobs`, beside `jobs`
/// (made when the first such job is added; `jobs` itself is unchanged). One row per job: the
/// sbatch options (JSON), the Slurm job id of its last attempt, and that attempt's folder while it
/// runs (NULL once it ended). A runtime that
/// recovers an ACTIVE job with a Slurm job id follows that job instead of queueing it again.
extension JobStore {
    static let slurmTable = """
        CREATE TABLE IF NOT EXISTS slurm_jobs (
            jobId INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            options TEXT NOT NULL,
            slurmJob INTEGER,
            folder TEXT
        );
        """

    /// A Slurm job's row: its options, and the running attempt's job id and folder.
    public struct SlurmRow: Sendable, Equatable {
        public var options: JSONValue
        public var slurmJob: Int?
        public var folder: String?
    }

    static func insertSlurm(_ db: Database, id: Int64, options: JSONValue) throws {
        try db.execute(sql: slurmTable)
        try db.execute(sql: "INSERT OR REPLACE INTO slurm_jobs (jobId, options) VALUES (?, ?)", arguments: [id, options.jsonText])
    }

    /// Records the Slurm job of the job's attempt, and its folder while it runs (nil after).
    static func setSlurmJob(_ db: Database, id: Int64, slurmJob: Int?, folder: String?) throws {
        guard try db.tableExists("slurm_jobs") else { return }
        try db.execute(sql: "UPDATE slurm_jobs SET slurmJob = ?, folder = ? WHERE jobId = ?", arguments: [slurmJob, folder, id])
    }

    static func slurmRows(_ db: Database, ids: [Int64]) throws -> [Int64: SlurmRow] {
        guard !ids.isEmpty, try db.tableExists("slurm_jobs") else { return [:] }
        var rows: [Int64: SlurmRow] = [:]
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        for row in try Row.fetchAll(db, sql: "SELECT jobId, options, slurmJob, folder FROM slurm_jobs WHERE jobId IN (\(marks))",
                                    arguments: StatementArguments(ids)) {
            let text: String = row["options"]
            let options = (try? JSONValue(jsonText: text)) ?? .object([:])
            rows[row["jobId"]] = SlurmRow(options: options, slurmJob: row["slurmJob"], folder: row["folder"])
        }
        return rows
    }

    /// The Slurm rows of these jobs (jobs that run locally have none).
    public func slurmRows(ids: [Int64]) throws -> [Int64: SlurmRow] {
        try read { db in try Self.slurmRows(db, ids: ids) }
    }
}
