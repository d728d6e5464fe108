import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Why a call to a worker failed.
public enum WorkerFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The task or job raised: its message and traceback.
    case raised(message: String, traceback: String?)
    /// The worker process died while the call ran: how, and its last log lines.
    case died(ExitStatus, lastLines: [String])

    public var description: String {
        switch self {
        case .raised(let message, let traceback):
            return traceback.map { message + "\n" + $0 } ?? message
        case .died(let status, let lines):
            return "the worker \(status)" + (lines.isEmpty ? "" : "; its last log lines:\n" + lines.joined(separator: "\n"))
        }
    }
}

/// A worker process seen from the parent's loop thread: send it calls and jobs, get progress
/// and results back through callbacks (run on the loop thread).
public final class Worker {
    public let id: Int
    public let process: ManagedProcess
    public private(set) var isReady = false
    /// Calls sent and not answered yet.
    public var busy: Bool { !pending.isEmpty }
    public var isAlive: Bool { process.exitStatus == nil }

    struct Pending {
        var progress: (Double, String?) -> Void
        var completion: (Result<JSONValue, WorkerFailure>) -> Void
    }

    var pending: [Int64: Pending] = [:]
    /// Call ids come from the registry: unique across the runtime's workers.
    private let makeCallID: () -> Int64
    var readyWaiters: [() -> Void] = []

    init(id: Int, process: ManagedProcess, makeCallID: @escaping () -> Int64) {
        self.makeCallID = makeCallID
        self.id = id
        self.process = process
    }

    /// Runs `f(client, arguments...)` of the task script in the worker (loading it once).
    @discardableResult
    public func call(
        script: String,
        arguments: [JSONValue],
        progress: @escaping (Double, String?) -> Void = { _, _ in },
        completion: @escaping (Result<JSONValue, WorkerFailure>) -> Void
    ) -> Int64 {
        let id = makeCallID()
        pending[id] = Pending(progress: progress, completion: completion)
        if !process.send(WorkerMessage.call(id: id, script: script, arguments: arguments).jsonText) {
            // Gone already: the exit handler fails the call (or fails it here if it came first).
            if !isAlive { died() }
        }
        return id
    }

    /// Runs a job script in the worker: its `passed_data` is `data`; its result is its return
    /// value or its `python_data` global.
    @discardableResult
    public func runJob(
        script: String,
        data: JSONValue,
        progress: @escaping (Double, String?) -> Void = { _, _ in },
        completion: @escaping (Result<JSONValue, WorkerFailure>) -> Void
    ) -> Int64 {
        let id = makeCallID()
        pending[id] = Pending(progress: progress, completion: completion)
        if !process.send(WorkerMessage.job(id: id, script: script, data: data).jsonText), !isAlive { died() }
        return id
    }

    /// Runs `action` once the worker said it is ready (at once if it has).
    public func whenReady(_ action: @escaping () -> Void) {
        if isReady { action() } else { readyWaiters.append(action) }
    }

    /// Lets the worker finish what it has and exit (closes its channel).
    public func shutdown() { process.closeChannel() }

    /// Kills the worker's process group.
    public func kill(_ signal: Int32 = SIGKILL) { process.signalGroup(signal) }

    func deliver(_ message: WorkerMessage) {
        switch message {
        case .ready:
            isReady = true
            let waiters = readyWaiters
            readyWaiters = []
            for waiter in waiters { waiter() }
        case .progress(let id, let fraction, let text):
            pending[id]?.progress(fraction, text)
        case .result(let id, let value):
            pending.removeValue(forKey: id)?.completion(.success(value))
        case .failure(let id, let error, let traceback):
            pending.removeValue(forKey: id)?.completion(.failure(.raised(message: error, traceback: traceback)))
        default:
            break
        }
    }

    /// The process is gone: every call it had fails.
    func died() {
        let status = process.exitStatus ?? ExitStatus(code: -9)
        let calls = pending
        pending = [:]
        let lines = process.tail(20)
        for (_, call) in calls.sorted(by: { $0.key < $1.key }) {
            call.completion(.failure(.died(status, lastLines: lines)))
        }
    }
}
