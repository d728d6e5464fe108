/// One job as a `JobManager` holds it: its record (kept in step with the database), and while
/// an attempt runs, its worker and timeout timer. Lives on the runtime's loop thread.
public final class ManagedJob {
    public internal(set) var record: JobRecord
    /// The worker of the running attempt (one worker process per attempt).
    var worker: Worker?
    var timeoutTimer: Int?
    /// A kill or a timeout ended the job while its worker still ran: waiters are told once the
    /// worker process is gone.
    var awaitingExit = false
    var waiters: [(ManagedJob) -> Void] = []
    /// Progress not written to the database yet.
    var progressDirty = false
    /// Changes of state queued to the database and not landed yet. A completion applies the row
    /// it read back only when it is the last one: the record in memory may be ahead of it.
    var stateWrites = 0
    /// The database is claiming it for an attempt (it holds a worker slot meanwhile).
    var claiming = false
    /// Its end is being written: waiters are told once it landed (an acknowledged end is durable).
    var finishing = false
    /// `farm = "slurm"`: the sbatch options; nil runs in a local worker.
    var slurmOptions: JSONValue?
    /// The Slurm job of the running attempt, and its folder.
    var slurmJob: Int?
    var slurmFolder: String?
    /// When Slurm first reported the attempt's job over (its result file may lag).
    var slurmOverSince: Double?
    var slurmState = "SUBMITTED"

    init(record: JobRecord) { self.record = record }

    public var id: Int64 { record.id }
    public var name: String { record.name }
    public var state: JobState { record.state }
    /// Ended, its end written to the database, and its worker (if any) gone.
    public var isSettled: Bool { record.state.isEnded && !awaitingExit && !finishing }
}
