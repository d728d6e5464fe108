import Foundation
import GRDB
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Runs a runtime's jobs (seed 003's `JobManager`): each job in its own worker process, at most
/// `maxWorkers` at once, in the order they were added, with retries, timeouts and kills, every
/// change written to the persistent queue (`JobStore`) as it happens.
///
/// The runtime runs the queue itself: adding a job schedules a dispatch on the loop; a finished
/// attempt starts the next job. The loop stays alive while any job is unfinished.
///
/// On creation the manager recovers the queue (`JobStore.recover`): jobs left QUEUED or ACTIVE
/// by a runtime that died are taken over (ACTIVE ones queued again, or DROPPED when their
/// attempts are used up; their orphaned workers killed) and run here.
///
/// Lives on the runtime's loop thread, as the runtime does; worker callbacks arrive there.
public final class JobManager {
    public let store: JobStore
    unowned let runtime: ScriptRuntime
    /// This process, as the queue records owners.
    public let identity: ProcessIdentity
    /// How many jobs may run at once (default: the number of cores). Raising it starts queued
    /// jobs at once; lowering it lets running jobs finish.
    public var maxWorkers: Int {
        didSet { scheduleDispatch() }
    }
    /// `max_attempts` of jobs added without one.
    public var defaultMaxAttempts = 1
    /// `get_instance{farm = "slurm", slurm = {...}}`: jobs added without a `farm` run on Slurm
    /// with these sbatch options (nil: in local workers).
    public var defaultSlurm: JSONValue?
    /// Jobs whose attempt runs on Slurm now (followed by one `squeue` per poll).
    var slurmRunning: [ManagedJob] = []
    var slurmPollTimer: Int?
    /// squeue calls made for jobs (for tests and benchmarks).
    public internal(set) var slurmPollCount = 0
    /// Every job of this manager, oldest first.
    public internal(set) var jobs: [ManagedJob] = []
    var byName: [String: ManagedJob] = [:]
    /// Attempts running now (each holds one worker process).
    public internal(set) var runningCount = 0
    /// What recovery found when the manager opened the queue.
    public private(set) var recovery = JobStore.Recovery()
    /// Notices for people (recoveries, database trouble), without `rscript: `.
    public var notice: (String) -> Void

    /// Attempts being claimed in the database (each holds a worker slot until it lands).
    var claimingCount = 0
    /// `add_job` inserts not landed yet: the dispatcher waits for them, so that jobs added in
    /// a row all start from the queue, as they did when the insert ran in place.
    private var insertsInFlight = 0
    /// Names of jobs being inserted (a second job of the name is refused meanwhile).
    private var reservedNames: Set<String> = []
    /// Changes of state are written in place, the loop waiting (see `inPlace`).
    private var writesInPlace = false
    private var dispatchScheduled = false
    private var holding = false
    private var progressTimer: Int?
    private var allWaiters: [() -> Void] = []
    /// Progress reaches the database at most this often (it is always current in memory).
    static let progressInterval = 0.5

    public enum RecoveryScope: Sendable, Equatable {
        /// Take over every orphaned job (a new runtime's `get_instance`, `rscript jobs run`).
        case all
        /// Only this job, if orphaned (`rscript jobs wait ID`).
        case only(Int64)
        case none
    }

    /// Opens the queue for `runtime` and takes over orphaned jobs (`scope`), telling `notice`.
    public init(
        runtime: ScriptRuntime, store: JobStore, recovering scope: RecoveryScope = .all,
        notice: @escaping (String) -> Void = { StandardError.write("rscript: \($0)\n") }
    ) throws {
        self.runtime = runtime
        self.store = store
        self.notice = notice
        identity = ProcessIdentity.current
        maxWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        // Stop hooks run newest first: with the process and worker registries made before it,
        // this one kills the jobs' process trees before the registry kills the groups it knows.
        _ = runtime.processes
        _ = runtime.workers
        runtime.onStop { [weak self] in self?.runtimeStopping() }
        switch scope {
        case .all: recovery = try takeOver(only: nil)
        case .only(let id): recovery = try takeOver(only: id)
        case .none: break
        }
    }

    // MARK: Jobs by name

    /// The job named `name` (the newest, if recovery brought in two of one name).
    public func job(named name: String) -> ManagedJob? { byName[name] }

    /// Waiting or running jobs.
    public var unfinishedCount: Int { jobs.count(where: { !$0.state.isEnded }) }
    public var queuedCount: Int { jobs.count(where: { $0.state == .queued }) }

    // MARK: Adding

    /// Adds a job, QUEUED, written to the database before this returns (the loop waits for the
    /// insert: for callers that cannot be suspended). It starts on a later turn of the loop when
    /// a worker slot is free.
    /// - Throws: `JobError`: `.duplicateName` (a job of that name is in this manager),
    ///   `.invalidArgument` (no such script file, bad options), `.database`.
    @discardableResult
    public func add(_ new: JobStore.NewJob) throws -> ManagedJob {
        try validate(new)
        let job = ManagedJob(record: try store.insert(new, owner: identity))
        job.slurmOptions = new.slurm
        insert(job)
        scheduleDispatch()
        return job
    }

    /// Adds a job without waiting: the insert runs on the store's writer, and `then` gets the job
    /// on the loop once it is durable (or the database's error). Until then the name is taken
    /// and the dispatcher starts nothing (so a script's jobs added in a row are all QUEUED when
    /// it looks). The arguments are checked first (`validate`): what that throws is thrown here.
    public func add(_ new: JobStore.NewJob, then: @escaping (Result<ManagedJob, JobError>) -> Void) throws {
        try validate(new)
        reservedNames.insert(new.name)
        insertsInFlight += 1
        store.write(store.insertion(new, owner: identity), from: runtime) { [weak self] result in
            guard let self else { return }
            insertsInFlight -= 1
            reservedNames.remove(new.name)
            let added = result.map { record -> ManagedJob in
                let job = ManagedJob(record: record)
                job.slurmOptions = new.slurm
                insert(job)
                return job
            }
            scheduleDispatch()
            then(added)
        }
    }

    /// Checks a job before it is added.
    /// - Throws: `JobError` `.duplicateName`, `.invalidArgument`.
    func validate(_ new: JobStore.NewJob) throws {
        guard !new.name.isEmpty else { throw JobError.invalid("a job needs a name") }
        if let existing = byName[new.name] {
            throw JobError(.duplicateName, "a job named '\(new.name)' is already in the job manager (job \(existing.id), \(existing.state.rawValue)); cleanup_job it first, or use another name")
        }
        if reservedNames.contains(new.name) {
            throw JobError(.duplicateName, "a job named '\(new.name)' is being added to the job manager; use another name")
        }
        guard new.maxAttempts >= 1 else { throw JobError.invalid("max_attempts must be at least 1, got \(new.maxAttempts)") }
        if let timeout = new.timeout, !(timeout > 0) || !timeout.isFinite {
            throw JobError.invalid("timeout must be a positive number of seconds, got \(timeout)")
        }
        if Environment.isDirectory(new.script) { throw JobError.invalid("the job script \(new.script) is a folder") }
        guard Environment.fileExists(new.script) else { throw JobError.invalid("the job script \(new.script) does not exist") }
    }

    private func insert(_ job: ManagedJob) {
        jobs.append(job)
        byName[job.name] = job
        updateHold()
    }

    // MARK: Running the queue

    func scheduleDispatch() {
        guard !dispatchScheduled else { return }
        dispatchScheduled = true
        runtime.scheduler.after(0) { [weak self] in self?.dispatch() }
    }

    /// Starts queued jobs, oldest first, while worker slots are free.
    func dispatch() {
        dispatchScheduled = false
        // The insert's completion schedules the next dispatch.
        guard insertsInFlight == 0 else { return }
        for job in jobs where job.state == .queued && job.worker == nil && !job.claiming {
            guard runningCount + claimingCount < maxWorkers else { break }
            start(job)
        }
        updateHold()
    }

    /// Keeps the loop alive while a job is unfinished or a killed worker is still exiting.
    func updateHold() {
        let busy = jobs.contains { !$0.isSettled } || runningCount > 0 || claimingCount > 0
        if busy && !holding {
            runtime.scheduler.hold()
            holding = true
        } else if !busy && holding {
            runtime.scheduler.release()
            holding = false
            if let timer = progressTimer {
                runtime.scheduler.cancelTimer(timer)
                progressTimer = nil
                flushProgress()
            }
        }
        if !busy || jobs.allSatisfy({ $0.isSettled }) { wakeAllWaiters() }
    }

    // MARK: Waiting

    /// Runs `action` once the job has ended and its worker is gone (at once if so).
    public func whenSettled(_ job: ManagedJob, _ action: @escaping (ManagedJob) -> Void) {
        if job.isSettled { action(job) } else { job.waiters.append(action) }
    }

    /// Runs `action` once every job of this manager has ended (at once if so).
    public func whenAllSettled(_ action: @escaping () -> Void) {
        if jobs.allSatisfy({ $0.isSettled }) { action() } else { allWaiters.append(action) }
    }

    func settle(_ job: ManagedJob) {
        guard job.isSettled else { return }
        let waiters = job.waiters
        job.waiters = []
        for waiter in waiters { waiter(job) }
        updateHold()
    }

    private func wakeAllWaiters() {
        guard !allWaiters.isEmpty, jobs.allSatisfy({ $0.isSettled }) else { return }
        let waiters = allWaiters
        allWaiters = []
        for waiter in waiters { waiter() }
    }

    // MARK: Recovery

    /// Takes over the jobs no live runtime serves (`JobStore.recover`), or just job `only`,
    /// and queues them here; tells `notice` what it did (when it took over all).
    @discardableResult
    public func takeOver(only: Int64?) throws -> JobStore.Recovery {
        adopt(try store.recover(owner: identity, only: only), only: only)
    }

    /// A manager opened with `recovering: .none` whose recovery was made off the loop (by
    /// `get_instance`, with a store of its own): adopts what it took over, as `init` would have.
    func opened(with recovery: JobStore.Recovery) {
        self.recovery = recovery
        adopt(recovery, only: nil)
    }

    /// Queues here the jobs a recovery (`JobStore.recover` with this manager's identity) took
    /// over, and tells `notice` what it did (when it took over all).
    @discardableResult
    func adopt(_ recovery: JobStore.Recovery, only: Int64?) -> JobStore.Recovery {
        let slurmRows = recording("the Slurm jobs taken over") { try store.slurmRows(ids: recovery.adopted.map(\.id)) } ?? [:]
        for record in recovery.adopted {
            let job = ManagedJob(record: record)
            if recovery.requeued.contains(record.id), let message = record.error?.message {
                appendLog(job, "rscript: \(message) (taken over by pid \(identity.pid))")
            }
            job.slurmOptions = slurmRows[record.id]?.options
            insert(job)
            if recovery.followedOnSlurm.contains(record.id), let row = slurmRows[record.id], let slurmJob = row.slurmJob {
                appendLog(job, "rscript: following Slurm job \(slurmJob) (taken over by pid \(identity.pid))")
                follow(job, slurmJob: slurmJob, folder: row.folder ?? "")
            }
        }
        for record in recovery.dropped {
            appendLog(ManagedJob(record: record), "rscript: job DROPPED: \(record.error?.message ?? "its runtime died")")
        }
        // Taking over one named job (`rscript jobs wait ID`) is what the caller asked for: no notice.
        if only == nil, !recovery.adopted.isEmpty || !recovery.dropped.isEmpty {
            var parts: [String] = []
            if !recovery.adopted.isEmpty {
                parts.append("took over \(recovery.adopted.count) job(s) no live runtime served (\(recovery.adopted.map(\.name).joined(separator: ", ")))")
            }
            if !recovery.requeued.isEmpty { parts.append("\(recovery.requeued.count) of them had been running and are queued again") }
            if !recovery.dropped.isEmpty {
                parts.append("dropped \(recovery.dropped.map(\.name).joined(separator: ", ")) (attempts used up)")
            }
            if !recovery.killedWorkers.isEmpty { parts.append("killed \(recovery.killedWorkers.count) orphaned worker(s)") }
            notice("job queue \(store.path): " + parts.joined(separator: "; "))
        }
        if !recovery.adopted.isEmpty { scheduleDispatch() }
        return recovery
    }

    // MARK: Logs

    /// Appends a line of rscript's own to the job's log (attempt starts, failures).
    func appendLog(_ job: ManagedJob, _ text: String) {
        guard let path = job.record.logPath else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    // MARK: Database writes

    /// Runs a store call; a failure is reported (the job goes on in memory) and gives nil.
    func recording<T>(_ what: String, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            notice("job queue: could not record \(what): \(error)")
            return nil
        }
    }

    /// Queues a write that nothing waits for (progress, a worker's pid) to the store's writer,
    /// in order with the job's other changes; the loop goes on at once.
    func queueRecording(_ what: String, _ body: @escaping @Sendable (Database) throws -> Void) {
        store.writer.enqueue(body, from: runtime) { [weak self] error in
            if let error { self?.notice("job queue: could not record \(what): \(error)") }
        }
    }

    /// Writes a change of state of `job` to the store and runs `then` on the loop once it landed
    /// (or failed): on the writer's thread, the loop going on, unless `inPlace` asked for the
    /// write to be made at once (`then` has run when this returns). `then`'s `latest` is false
    /// while a later change of the job is still in flight (its record in memory is ahead).
    func recordChange<T: Sendable>(
        _ job: ManagedJob, _ body: @escaping @Sendable (Database) throws -> T,
        then: @escaping (_ result: Result<T, JobError>, _ latest: Bool) -> Void
    ) {
        job.stateWrites += 1
        let landed = { [job] (result: Result<T, JobError>) in
            job.stateWrites -= 1
            then(result, job.stateWrites == 0)
        }
        if writesInPlace {
            do {
                landed(.success(try store.write(body)))
            } catch {
                landed(.failure(error as? JobError ?? JobError.database(error, path: store.path)))
            }
        } else {
            store.write(body, from: runtime, then: landed)
        }
    }

    /// Runs `body` with the changes of state it makes written in place, the loop waiting for
    /// the database: for callers that cannot be suspended (outside a task), and for the
    /// runtime's stop.
    public func inPlace<T>(_ body: () throws -> T) rethrows -> T {
        let previous = writesInPlace
        writesInPlace = true
        defer { writesInPlace = previous }
        return try body()
    }

    /// Applies a landed conditional change: the row as the database now has it (another
    /// process may have decided, `rscript jobs kill`), unless a later change is in flight.
    func apply(_ result: Result<JobStore.Change, JobError>, latest: Bool, to job: ManagedJob, _ what: String) {
        switch result {
        case .success(let change):
            if latest, let record = change.record { job.record = record }
        case .failure(let error):
            // The job goes on as the record in memory says.
            notice("job queue: could not record \(what): \(error)")
        }
    }

    // MARK: Progress

    func progress(_ job: ManagedJob, fraction: Double, message: String?) {
        guard job.state == .active else { return }
        job.record.progress = fraction
        job.record.progressMessage = message
        job.progressDirty = true
        if progressTimer == nil {
            progressTimer = runtime.scheduler.after(Self.progressInterval) { [weak self] in
                self?.progressTimer = nil
                self?.flushProgress()
            }
        }
    }

    func flushProgress() {
        let dirty = jobs.filter { $0.progressDirty }
        guard !dirty.isEmpty else { return }
        for job in dirty { job.progressDirty = false }
        let updates = dirty.map { JobStore.Progress(id: $0.id, fraction: $0.record.progress, message: $0.record.progressMessage) }
        queueRecording("progress") { db in try JobStore.saveProgress(db, updates) }
    }
}
