#if canImport(Glibc)
import Glibc
#endif

/// `rscript slurm-job FOLDER` on a node: runs one attempt of a job the way a local job manager
/// does, in an rscript worker process (the same `passed_data`, `update_job_progress`, result
/// and errors), and writes what happens to the job's folder (`SlurmJobFiles`): the status when
/// it starts, the progress as it goes (at most 4 times a second), the result or the error at
/// the end. The worker's output goes to the job's log.
public enum SlurmJobRunner {
    public static func run(folder: String) -> Int32 {
        let files = SlurmJobFiles(folder: folder)
        guard let spec = files.read(files.spec), let script = spec["script"]?.stringValue else {
            StandardError.write("rscript slurm-job: cannot read \(files.spec)\n")
            return 2
        }
        let data = spec["data"] ?? .object([:])
        let log = spec["log"]?.stringValue
        do {
            var options = RuntimeOptions.fromEnvironment()
            options.handlesInterrupt = false
            let runtime = try ScriptRuntime(options: options)
            try files.write(files.status, [
                "state": "running", "host": .string(SlurmTaskRunner.hostName()), "pid": .int(Int64(getpid())),
                "job": .string(SlurmTaskRunner.jobName), "startedAt": .double(wallClock()),
            ])
            let worker = try runtime.workers.spawn(id: 1, logPath: log)
            var outcome: Result<JSONValue, WorkerFailure>?
            var lastProgress = 0.0
            worker.runJob(script: script, data: data, progress: { fraction, message in
                let now = MonotonicClock.now()
                guard now - lastProgress >= 0.25 || fraction >= 1 else { return }
                lastProgress = now
                var value: [String: JSONValue] = ["fraction": .double(fraction)]
                if let message { value["message"] = .string(message) }
                try? files.write(files.progress, .object(value))
            }, completion: { result in
                outcome = result
                worker.shutdown()
            })
            runtime.scheduler.run(until: { outcome != nil })
            switch outcome {
            case .success(let value):
                try files.write(files.result, ["ok": value])
                return 0
            case .failure(.raised(let message, let traceback)):
                try files.write(files.result, ["error": .string(message), "traceback": traceback.map(JSONValue.string) ?? .null])
                return 1
            case .failure(let failure):
                try files.write(files.result, ["error": .string("\(failure)")])
                return 1
            case nil:
                return 1
            }
        } catch {
            try? files.write(files.result, ["error": .string("rscript slurm-job: \(error)")])
            StandardError.write("rscript slurm-job: \(error)\n")
            return 1
        }
    }
}
