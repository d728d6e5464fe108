import CProcess
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// `rscript slurm-task FOLDER` on a node: runs the command of array task
/// `$SLURM_ARRAY_TASK_ID` (its `task-N.json`), its output appended to the chunk's log, and
/// writes `task-N.status` (running, host, pid, Slurm job) when it starts and `task-N.exit`
/// (the exit code, or the signal) when it ends. SIGTERM from Slurm (scancel, a time limit) is
/// passed on to the renderer's process group, and SIGKILL follows after `grace` seconds; the
/// exit file is written either way.
public enum SlurmTaskRunner {
    public static func run(folder: String, index: Int?, grace: Double = 2) -> Int32 {
        guard let files = index.map({ SlurmTaskFiles(folder: folder, index: $0) }) ?? SlurmTaskFiles.forArrayTask(folder: folder) else {
            StandardError.write("rscript slurm-task: no task index (--index N, or $SLURM_ARRAY_TASK_ID)\n")
            return 2
        }
        let spec: SlurmTaskFiles.Spec
        do {
            spec = try files.readSpec()
        } catch {
            StandardError.write("rscript slurm-task: \(error)\n")
            return 2
        }
        var environment = currentEnvironment()
        for (key, value) in spec.environment { environment[key] = value }
        let header = "rscript slurm-task: job \(jobName) on \(hostName()): " + spec.argv.map(shellQuoted).joined(separator: " ") + "\n"
        appendText(spec.logPath, header)
        // Slurm's SIGTERM is handled here, not by the default action.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let process: ManagedProcess
        do {
            process = try ProcessSupervisor.shared.spawn(
                spec.argv, environment: environment.map { "\($0.key)=\($0.value)" }, directory: spec.directory,
                logPath: spec.logPath)
        } catch {
            appendText(spec.logPath, "rscript slurm-task: \(error)\n")
            try? SlurmTaskFiles.writeJSON(files.exit, ["code": 127, "error": .string("\(error)"), "endedAt": .double(wallClock())])
            return 127
        }
        try? SlurmTaskFiles.writeJSON(files.status, [
            "state": "running", "host": .string(hostName()), "pid": .int(Int64(process.pid)),
            "job": .string(jobName), "startedAt": .double(wallClock()),
        ])
        let exited = DispatchSemaphore(value: 0)
        process.onExit { _ in exited.signal() }
        let terms = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        let interrupts = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        for source in [terms, interrupts] {
            source.setEventHandler {
                process.signalGroup(SIGTERM)
                DispatchQueue.global().asyncAfter(deadline: .now() + grace) { process.signalGroup(SIGKILL) }
            }
            source.resume()
        }
        exited.wait()
        // Whatever the renderer left in its group goes with it; its last output reaches the log.
        process.signalGroup(SIGKILL)
        for _ in 0..<200 where !process.isOutputClosed { usleep(5000) }
        let status = process.exitStatus ?? ExitStatus(code: -SIGKILL)
        var exit: [String: JSONValue] = ["code": .int(Int64(status.code)), "endedAt": .double(wallClock())]
        if let signal = status.signal { exit["signal"] = .string(SignalName.name(of: signal)) }
        try? SlurmTaskFiles.writeJSON(files.exit, .object(exit))
        return status.code >= 0 ? status.code : 128 + (status.signal ?? 9)
    }

    static var jobName: String {
        if let array = Environment.get("SLURM_ARRAY_JOB_ID"), let task = Environment.get("SLURM_ARRAY_TASK_ID") {
            return array + "_" + task
        }
        return Environment.get("SLURM_JOB_ID") ?? "?"
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func currentEnvironment() -> [String: String] {
        var values: [String: String] = [:]
        var pointer = rscript_environ()
        while let entry = pointer?.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer = pointer?.advanced(by: 1)
        }
        return values
    }

    static func appendText(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = writeAll(fd, text)
    }
}
