import Foundation
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Starting and ending attempts: one worker process per attempt.
extension JobManager {
    /// Claims the job in the database and starts an attempt in a new worker.
    func start(_ job: ManagedJob) {
        guard let change = recording("the start of job \(job.id)", { try store.claim(id: job.id, owner: identity) }) else {
            // The database refused: run anyway, as the record in memory says.
            job.record.state = .active
            job.record.attempts += 1
            job.record.startedAt = Date()
            return launch(job)
        }
        guard change.applied, let record = change.record else {
            // Someone else decided (`rscript jobs kill`), or the row is gone.
            guard let record = change.record else {
                job.record.state = .killed
                return settle(job)
            }
            job.record = record
            // Another runtime serves it now: not ours to run or wait for.
            if !record.state.isEnded { forget(job) }
            return settle(job)
        }
        job.record = record
        launch(job)
    }

    private func launch(_ job: ManagedJob) {
        let record = job.record
        appendLog(job, "rscript: job \(record.id) (\(record.name)): attempt \(record.attempts) of \(record.maxAttempts), \(GalleryFormat.localTime(Date()))")
        // A script that does not compile would fail in every attempt: drop it now, with
        // `file:line`, without starting a worker.
        do {
            _ = try runtime.state.loadFile(record.script)
        } catch let error as LuaError where error.kind == .syntax || error.kind == .file {
            appendLog(job, "rscript: " + error.message)
            return finish(job, as: .dropped, error: JobRecord.Failure(message: error.message))
        } catch {
            // Other load failures (memory) are left for the worker to report.
        }
        let worker: Worker
        do {
            worker = try runtime.workers.spawn(id: Int(truncatingIfNeeded: record.id), logPath: record.logPath)
        } catch {
            return attemptFailed(job, JobRecord.Failure(message: "cannot start a worker process: \(error)"))
        }
        runningCount += 1
        job.worker = worker
        if let identity = ProcessIdentity.of(worker.process.pid) {
            job.record.worker = identity
            let id = job.id
            queueRecording("the worker of job \(id)") { db in try JobStore.setWorker(db, id: id, worker: identity) }
        }
        worker.runJob(
            script: record.script, data: record.passedData,
            progress: { [weak self, job] fraction, message in
                self?.progress(job, fraction: fraction, message: message)
            },
            completion: { [weak self, job, worker] result in
                self?.attemptEnded(job, worker: worker, result)
            })
        if let timeout = record.timeout {
            job.timeoutTimer = runtime.scheduler.after(timeout) { [weak self, job] in
                self?.timedOut(job, after: timeout)
            }
        }
    }

    /// The worker answered, or died.
    private func attemptEnded(_ job: ManagedJob, worker: Worker, _ result: Result<JSONValue, WorkerFailure>) {
        guard job.worker === worker else { return }
        job.worker = nil
        runningCount -= 1
        if let timer = job.timeoutTimer {
            runtime.scheduler.cancelTimer(timer)
            job.timeoutTimer = nil
        }
        defer { scheduleDispatch() }
        if job.state.isEnded {
            // Killed or timed out here: the worker is gone now.
            job.awaitingExit = false
            worker.kill()  // stragglers of its group
            return settle(job)
        }
        switch result {
        case .success(let value):
            worker.shutdown()
            if job.progressDirty || job.record.progress < 1 { job.record.progress = 1 }
            finish(job, as: .completed, result: value)
        case .failure(.raised(let message, let traceback)):
            worker.shutdown()
            attemptFailed(job, JobRecord.Failure(message: message, traceback: traceback))
        case .failure(.died(let status, let lines)):
            worker.kill()  // whatever its group still holds
            // `rscript jobs kill` from another process kills the worker and records KILLED.
            if let record = recording("", { try store.job(id: job.id) }) ?? nil, record.state.isEnded {
                job.record = record
                return settle(job)
            }
            var message = "the job's worker process \(status)"
            if !lines.isEmpty { message += "; its last output lines:\n" + lines.joined(separator: "\n") }
            attemptFailed(job, JobRecord.Failure(message: message))
        }
    }

    /// Queues the job again while attempts remain, else drops it with `failure`.
    func attemptFailed(_ job: ManagedJob, _ failure: JobRecord.Failure) {
        let record = job.record
        appendLog(job, "rscript: attempt \(record.attempts) of \(record.maxAttempts) failed: \(failure)")
        guard record.attempts < record.maxAttempts else {
            return finish(job, as: .dropped, error: failure)
        }
        let change = recording("the retry of job \(job.id)") { try store.requeue(id: job.id, owner: identity, error: failure) }
        apply(change, to: job) { record in
            record.state = .queued
            record.error = failure
            record.worker = nil
        }
        settle(job)
        scheduleDispatch()
    }

    /// Ends the job here (and in the database, unless someone else ended it first).
    func finish(_ job: ManagedJob, as state: JobState, result: JSONValue? = nil, error: JobRecord.Failure? = nil) {
        job.progressDirty = false
        let progress = (job.record.progress, job.record.progressMessage)
        let change = recording("the end of job \(job.id)") {
            try store.finish(id: job.id, owner: identity, state: state, result: result, error: error, progress: progress)
        }
        apply(change, to: job) { record in
            record.state = state
            record.result = result
            record.error = error
            record.endedAt = Date()
        }
        settle(job)
    }

    private func timedOut(_ job: ManagedJob, after seconds: Double) {
        job.timeoutTimer = nil
        guard job.state == .active, let worker = job.worker else { return }
        job.awaitingExit = true
        if worker.isAlive { ProcessTree.kill(root: worker.process.pid) }
        appendLog(job, "rscript: timed out after \(formatSeconds(seconds)); its processes were killed")
        finish(job, as: .timedOut, error: JobRecord.Failure(message: "timed out after \(formatSeconds(seconds))"))
    }

    // MARK: Kills

    /// Kills a waiting or running job (a running one's whole process tree): it is KILLED at
    /// once; waiters are told when its worker is gone. False when it had already ended.
    @discardableResult
    public func kill(_ job: ManagedJob, reason: String = "killed") -> Bool {
        guard !job.state.isEnded else { return false }
        if let worker = job.worker {
            job.awaitingExit = true
            if worker.isAlive { ProcessTree.kill(root: worker.process.pid) }
        }
        appendLog(job, "rscript: \(reason)")
        finish(job, as: .killed, error: JobRecord.Failure(message: reason))
        return true
    }

    /// Kills every unfinished job; returns how many.
    @discardableResult
    public func killAll() -> Int {
        jobs.filter { kill($0) }.count
    }

    /// Kills the job if unfinished, forgets it, and deletes it from the database with its log.
    public func cleanup(_ job: ManagedJob) {
        kill(job, reason: "killed by cleanup_job")
        forget(job)
        _ = recording("the removal of job \(job.id)") { try store.delete(id: job.id) }
    }

    /// Drops the job from this manager (not from the database); its waiters are told at once.
    func forget(_ job: ManagedJob) {
        jobs.removeAll { $0 === job }
        if byName[job.name] === job {
            byName[job.name] = jobs.last { $0.name == job.name }
        }
        job.awaitingExit = false
        let waiters = job.waiters
        job.waiters = []
        for waiter in waiters { waiter(job) }
        updateHold()
    }

    /// The runtime stops (Ctrl-C, an error in the main chunk): its unfinished jobs are killed.
    /// (A runtime killed outright leaves them to the next runtime's recovery instead.)
    func runtimeStopping() {
        for job in jobs where !job.state.isEnded {
            kill(job, reason: "killed: its rscript process (pid \(identity.pid)) was stopped")
        }
    }
}
