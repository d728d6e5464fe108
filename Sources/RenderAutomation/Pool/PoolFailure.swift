/// One death of a worker while it ran a pool task.
public struct WorkerDeath: Sendable, Equatable, CustomStringConvertible {
    /// The worker's number in its pool (`client.id`).
    public var worker: Int
    public var pid: Int32
    public var status: ExitStatus

    /// `worker 2 (pid 4711) was killed by SIGKILL`.
    public var description: String { "worker \(worker) (pid \(pid)) \(status.predicate)" }
}

/// Why a pool task gave no result. Each case is final: retries have already been spent.
public enum PoolFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The task raised in its worker: the message, the worker's traceback, which worker.
    case raised(message: String, traceback: String?, worker: Int)
    /// The worker running it died each time it ran (`deaths.count` attempts); the last dead
    /// worker's last log lines.
    case workerDied(deaths: [WorkerDeath], lastLines: [String])
    /// It never ran, or its result was dropped: a failure elsewhere in its `map`, `cancel()`,
    /// `terminate()`.
    case cancelled(reason: String)
    /// No worker could be started for it (the rscript executable is missing, say).
    case cannotStart(String)

    /// The message and, for a raised error, the worker's traceback (its first line says which
    /// worker ran it, so it is not mistaken for the caller's own traceback).
    public var description: String {
        switch self {
        case .raised(let message, let traceback, let worker):
            guard let traceback, !traceback.isEmpty else { return message }
            var lines = traceback.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.first == "stack traceback:" { lines[0] = "stack traceback (in pool worker \(worker)):" }
            return message + "\n" + lines.joined(separator: "\n")
        case .workerDied(let deaths, let lastLines):
            let last = deaths.last.map { "the worker \($0.status.predicate)" } ?? "the worker died"
            var text = last + " (\(deaths.count) attempt\(deaths.count == 1 ? "" : "s"): "
                + deaths.map(\.description).joined(separator: "; ") + ")"
            if !lastLines.isEmpty {
                text += "\nthe last worker's last log lines:\n" + lastLines.map { "  " + $0 }.joined(separator: "\n")
            }
            return text
        case .cancelled(let reason):
            return "cancelled: " + reason
        case .cannotStart(let reason):
            return "cannot start a pool worker: " + reason
        }
    }
}

extension ExitStatus {
    /// `was killed by SIGKILL` / `exited with status 7`, to follow "the worker".
    var predicate: String {
        if let signal { return "was killed by \(SignalName.name(of: signal))" }
        return "exited with status \(code)"
    }
}
