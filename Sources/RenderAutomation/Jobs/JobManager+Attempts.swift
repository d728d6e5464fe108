import Foundation
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Starting and ending attempts: one worker process per attempt.
extension JobManager {
    /// Claims the job in the database, then (once the claim landed) starts an attempt in a new
    /// worker. The job holds a worker slot meanwhile.
    func start(_ job: ManagedJob) {
        job.claiming = true
        claimingCount += 1
        recordChange(job, store.claiming(id: job.id, owner: identity)) { [weak self, job] result, latest in
            job.claiming = false
            guard let self else { return }
            claimingCount -= 1
            claimed(job, result, latest: latest)
            scheduleDispatch()
        }
    }

    private func claimed(_ job: ManagedJob, _ result: Result<JobStore.Change, JobError>, latest: Bool) {
        // Killed or cleaned up while the claim was in flight: its end follows in the queue.
        guard latest, !job.state.isEnded, jobs.contains(where: { $0 === job }) else { return updateHold() }
        let change: JobStore.Change
        switch result {
        case .failure(let error):
            // The database refused: run anyway, as the record in memory says.
            notice("job queue: could not record the start of job \(job.id): \(error)")
            job.record.state = .active
            job.record.attempts += 1
            job.record.startedAt = Date()
            return launch(job)
        case .success(let landed):
            change = landed
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
        if let options = job.slurmOptions { return launchOnSlurm(job, options: options) }
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
        job.record.state = .queued
        job.record.error = failure
        job.record.worker = nil
        recordChange(job, store.requeueing(id: job.id, owner: identity, error: failure)) { [weak self, job] result, latest in
            guard let self else { return }
            apply(result, latest: latest, to: job, "the retry of job \(job.id)")
            settle(job)
            scheduleDispatch()
        }
        scheduleDispatch()
    }

    /// Ends the job here at once, and in the database (unless someone else ended it first): its
    /// waiters are told, and `then` runs, once that landed.
    func finish(
        _ job: ManagedJob, as state: JobState, result: JSONValue? = nil, error: JobRecord.Failure? = nil,
        then: @escaping () -> Void = {}
    ) {
        job.progressDirty = false
        let progress = (job.record.progress, job.record.progressMessage)
        let write = store.finishing(id: job.id, owner: identity, state: state, result: result, error: error, progress: progress)
        job.record.state = state
        job.record.result = result
        job.record.error = error
        job.record.endedAt = Date()
        job.finishing = true
        recordChange(job, write) { [weak self, job] outcome, latest in
            job.finishing = false
            self?.apply(outcome, latest: latest, to: job, "the end of job \(job.id)")
            self?.settle(job)
            then()
        }
    }

    func timedOut(_ job: ManagedJob, after seconds: Double) {
        job.timeoutTimer = nil
        if job.state == .active, job.slurmJob != nil {
            job.awaitingExit = true
            cancelOnSlurm(job)
            appendLog(job, "rscript: timed out after \(SecondsText.exact(seconds)); its Slurm job \(job.slurmJob ?? 0) was cancelled")
            return finish(job, as: .timedOut, error: JobRecord.Failure(message: "timed out after \(SecondsText.exact(seconds))"))
        }
        guard job.state == .active, let worker = job.worker else { return }
        job.awaitingExit = true
        if worker.isAlive { ProcessTree.kill(root: worker.process.pid) }
        appendLog(job, "rscript: timed out after \(SecondsText.exact(seconds)); its processes were killed")
        finish(job, as: .timedOut, error: JobRecord.Failure(message: "timed out after \(SecondsText.exact(seconds))"))
    }

    // MARK: Kills

    /// Kills a waiting or running job (a running one's whole process tree): it is KILLED at
    /// once; `then` runs once that is in the database, and waiters are told when its worker is
    /// gone too. False (and `then` is not run) when it had already ended.
    @discardableResult
    public func kill(_ job: ManagedJob, reason: String = "killed", then: @escaping () -> Void = {}) -> Bool {
        guard !job.state.isEnded else { return false }
        if job.slurmJob != nil {
            job.awaitingExit = true
            cancelOnSlurm(job)
        }
        if let worker = job.worker {
            job.awaitingExit = true
            if worker.isAlive { ProcessTree.kill(root: worker.process.pid) }
        }
        appendLog(job, "rscript: \(reason)")
        finish(job, as: .killed, error: JobRecord.Failure(message: reason), then: then)
        return true
    }

    /// Kills every unfinished job; returns how many. `then` runs once all of that is in the
    /// database (at once when there were none).
    @discardableResult
    public func killAll(then: @escaping () -> Void = {}) -> Int {
        let unfinished = jobs.filter { !$0.state.isEnded }
        var left = unfinished.count
        if left == 0 { then() }
        for job in unfinished {
            kill(job) {
                left -= 1
                if left == 0 { then() }
            }
        }
        return unfinished.count
    }

    /// Kills the job if unfinished, forgets it, and deletes it from the database with its log;
    /// `then` runs once the deletion landed.
    public func cleanup(_ job: ManagedJob, then: @escaping () -> Void = {}) {
        kill(job, reason: "killed by cleanup_job")
        forget(job)
        let store = self.store
        recordChange(job, store.deletion(id: job.id)) { [weak self, job] result, _ in
            switch result {
            case .success(let deleted): store.removeLog(of: deleted)
            case .failure(let error): self?.notice("job queue: could not record the removal of job \(job.id): \(error)")
            }
            then()
        }
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
        // In place: the loop may not turn again to take the completions.
        inPlace {
            for job in jobs where !job.state.isEnded {
                kill(job, reason: "killed: its rscript process (pid \(identity.pid)) was stopped")
            }
        }
    }
}
