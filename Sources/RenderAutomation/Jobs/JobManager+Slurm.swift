import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Jobs on Slurm (`farm = "slurm"`): an attempt is one `sbatch` job running `rscript slurm-job`
/// on a node, which runs the script in a worker there and writes its progress and result to the
/// attempt's folder (`SlurmJobFiles`, on storage the nodes share). The manager follows every
/// such job with one `squeue` per poll, and the files. States, retries, progress, results,
/// issue strings, kills and timeouts are those of local jobs; a kill or a timeout is `scancel`.
/// Slurm jobs do not take local worker slots (`max_workers`).
extension JobManager {
    /// Seconds between polls (`RSCRIPT_SLURM_POLL`, default 1).
    static var slurmPollInterval: Double {
        Environment.get("RSCRIPT_SLURM_POLL").flatMap(Double.init).map { min(60, max(0.05, $0)) } ?? 1
    }

    /// The sbatch arguments of `{partition=, time=, mem=, cpus=, args={...}}`.
    static func sbatchArguments(_ options: JSONValue) -> [String] {
        var arguments: [String] = []
        func text(_ key: String) -> String? {
            switch options[key] {
            case .string(let s): return s
            case .int(let n): return String(n)
            case .double(let d): return d == d.rounded() ? String(Int64(d)) : String(d)
            default: return nil
            }
        }
        if let partition = text("partition") { arguments.append("--partition=\(partition)") }
        if let time = text("time") { arguments.append("--time=\(time)") }
        if let mem = text("mem") { arguments.append("--mem=\(mem)") }
        if let cpus = text("cpus") { arguments.append("--cpus-per-task=\(cpus)") }
        if case .array(let extra) = options["args"] ?? .null { arguments += extra.compactMap(\.stringValue) }
        return arguments
    }

    /// Submits the job's attempt (already claimed, ACTIVE); a refusal fails the attempt with
    /// Slurm's message.
    func launchOnSlurm(_ job: ManagedJob, options: JSONValue) {
        let record = job.record
        let base = record.logPath.map { Environment.directory(of: $0) } ?? Environment.directory(of: store.path)
        let folder = base + "/slurm/\(record.id)-\(record.attempts)"
        let files = SlurmJobFiles(folder: folder)
        let slurmJob: Int
        do {
            try FSFile.makeDirectories(Array(folder.utf8))
            var spec: [String: JSONValue] = ["script": .string(record.script), "data": record.passedData]
            if let log = record.logPath { spec["log"] = .string(log) }
            try files.write(files.spec, .object(spec))
            guard let rscript = Environment.get("RSCRIPT_SLURM_BIN") ?? Environment.executablePath else {
                throw SlurmError("cannot tell where this rscript is (set RSCRIPT_SLURM_BIN)")
            }
            try SlurmFrameFarm.write(files.script, "#!/bin/sh\nexec \(shellQuoted(rscript)) slurm-job \(shellQuoted(folder))\n")
            slurmJob = try SlurmClient().submit(["--no-requeue", "--job-name=rscript-job:\(record.name)", "--output=\(files.slurmOutput)",
                                                  "--chdir=\(SlurmFrameFarm.currentDirectory())"] + Self.sbatchArguments(options),
                                                 script: files.script)
        } catch {
            return attemptFailed(job, JobRecord.Failure(message: "cannot submit the job to Slurm: \(error)"))
        }
        appendLog(job, "rscript: submitted as Slurm job \(slurmJob) (folder \(folder))")
        follow(job, slurmJob: slurmJob, folder: folder)
        if let timeout = record.timeout {
            job.timeoutTimer = runtime.scheduler.after(timeout) { [weak self, job] in self?.timedOut(job, after: timeout) }
        }
    }

    /// Follows the Slurm job of the job's attempt (a new one, or one taken over from a runtime
    /// that died), recording its id in the queue.
    func follow(_ job: ManagedJob, slurmJob: Int, folder: String) {
        job.slurmJob = slurmJob
        job.slurmFolder = folder
        job.slurmOverSince = nil
        slurmRunning.append(job)
        let id = job.id
        queueRecording("the Slurm job of job \(id)") { db in try JobStore.setSlurmJob(db, id: id, slurmJob: slurmJob, folder: folder) }
        scheduleSlurmPoll()
        updateHold()
    }

    private func scheduleSlurmPoll() {
        guard slurmPollTimer == nil, !slurmRunning.isEmpty else { return }
        slurmPollTimer = runtime.scheduler.after(Self.slurmPollInterval) { [weak self] in
            guard let self else { return }
            slurmPollTimer = nil
            pollSlurm()
            scheduleSlurmPoll()
        }
    }

    /// One poll: one `squeue` for every followed job, then each job's files.
    func pollSlurm() {
        let ids = slurmRunning.compactMap(\.slurmJob)
        guard !ids.isEmpty else { return }
        slurmPollCount += 1
        // A controller that does not answer this time is asked again at the next poll.
        guard let tasks = try? SlurmClient().tasks(of: ids) else { return }
        var states: [Int: SlurmClient.Task] = [:]
        for task in tasks { states[task.arrayJob] = task }
        let now = MonotonicClock.now()
        for job in slurmRunning {
            guard let slurmJob = job.slurmJob, let folder = job.slurmFolder else { continue }
            let files = SlurmJobFiles(folder: folder)
            if let progress = files.read(files.progress), let fraction = progress["fraction"]?.doubleValue,
               fraction != job.record.progress || progress["message"]?.stringValue != job.record.progressMessage {
                self.progress(job, fraction: fraction, message: progress["message"]?.stringValue)
            }
            let state = states[slurmJob]
            if let state { job.slurmState = state.state }
            let over = state?.isEnded ?? true
            let result = files.read(files.result)
            if over || result != nil, job.slurmOverSince == nil { job.slurmOverSince = now }
            let waited = now - (job.slurmOverSince ?? now)
            if (over && (result != nil || waited >= 3)) || (result != nil && waited >= 10) {
                slurmJobEnded(job, result: result)
            }
        }
    }

    /// The attempt's Slurm job is over: the job completes with its result, or the attempt
    /// failed (retried while attempts remain).
    private func slurmJobEnded(_ job: ManagedJob, result: JSONValue?) {
        slurmRunning.removeAll { $0 === job }
        let slurmJob = job.slurmJob ?? 0
        let folder = job.slurmFolder ?? ""
        job.slurmJob = nil
        job.slurmFolder = nil
        let id = job.id
        // The id stays in the queue; no folder means no attempt runs on Slurm now.
        queueRecording("the end of Slurm job \(slurmJob)") { db in try JobStore.setSlurmJob(db, id: id, slurmJob: slurmJob, folder: nil) }
        if let timer = job.timeoutTimer {
            runtime.scheduler.cancelTimer(timer)
            job.timeoutTimer = nil
        }
        defer { scheduleDispatch() }
        if job.state.isEnded {
            // Killed or timed out here: Slurm reports the job gone now.
            job.awaitingExit = false
            return settle(job)
        }
        if let result, let value = result["ok"] {
            if job.progressDirty || job.record.progress < 1 { job.record.progress = 1 }
            return finish(job, as: .completed, result: value)
        }
        if let result, let message = result["error"]?.stringValue {
            return attemptFailed(job, JobRecord.Failure(message: message, traceback: result["traceback"]?.stringValue))
        }
        if job.slurmState == "CANCELLED" {
            let reason = "KILLED: its Slurm job \(slurmJob) was cancelled (scancel)"
            appendLog(job, "rscript: \(reason)")
            return finish(job, as: .killed, error: JobRecord.Failure(message: reason))
        }
        var message = "its Slurm job \(slurmJob) ended \(job.slurmState) without a result"
        let output = SlurmTaskFiles.readFile(SlurmJobFiles(folder: folder).slurmOutput).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let lines = output.split(separator: "\n").suffix(8)
        if !lines.isEmpty { message += "; its last output lines:\n" + lines.joined(separator: "\n") }
        attemptFailed(job, JobRecord.Failure(message: message))
    }

    /// scancel for the job's attempt; it is settled once Slurm reports it over.
    func cancelOnSlurm(_ job: ManagedJob) {
        guard let slurmJob = job.slurmJob else { return }
        do {
            try SlurmClient().cancel([String(slurmJob)])
        } catch {
            notice("job \(job.id): scancel \(slurmJob): \(error)")
        }
    }
}
