import LuaBridge
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The worker processes of one runtime: starts them (`rscript worker`), routes their messages
/// to the right `Worker` on the loop thread, and fails their calls when they die.
public final class WorkerRegistry {
    unowned let runtime: ScriptRuntime
    private var workers: [Int32: Worker] = [:]
    private var nextCallID: Int64 = 1
    /// Messages read by the I/O thread, waiting for the loop: one mailbox post per burst, not
    /// one per message (a task may report progress thousands of times a second).
    private let inbox = Inbox()

    final class Inbox: Sendable {
        let messages = Mutex<[(WorkerMessage, String)]>([])
    }

    init(runtime: ScriptRuntime) {
        self.runtime = runtime
        runtime.processes.exitListeners.append { [unowned self] process, _ in
            guard let worker = self.workers.removeValue(forKey: process.pid) else { return }
            worker.died()
        }
    }

    /// The rscript executable that workers run: `$RSCRIPT_BIN`, else this executable when it is
    /// rscript, else `rscript` from PATH.
    public static var executable: String {
        if let bin = Environment.get("RSCRIPT_BIN"), !bin.isEmpty { return bin }
        if let exe = Environment.executablePath, exe.hasSuffix("/rscript") { return exe }
        return "rscript"
    }

    /// Starts worker number `id`. Its output goes to `logPath` (default: the runtime's log folder).
    /// With `keepsLoopAlive` false the worker does not keep the loop running (see
    /// `ProcessRegistry.spawn`).
    public func spawn(id: Int, logPath: String? = nil, keepsLoopAlive: Bool = true) throws -> Worker {
        let mailbox = runtime.scheduler.mailbox
        var spec = SpawnSpec(command: [Self.executable, "worker", "--id", String(id)])
        spec.logPath = logPath
        let inbox = self.inbox
        let process = try runtime.processes.spawn(spec, channel: true, keepsLoopAlive: keepsLoopAlive) { line in
            guard let message = WorkerMessage.progress(fromLine: line) ?? WorkerMessage(jsonText: line) else { return }
            let first = inbox.messages.withLock { queue in
                queue.append((message, line))
                return queue.count == 1
            }
            guard first else { return }  // a post is on its way and will take this one too
            mailbox.post { scheduler in
                ScriptRuntime.of(scheduler.state)?.workers.deliverInbox()
            }
        }
        let worker = Worker(id: id, process: process) { [unowned self] in
            defer { self.nextCallID += 1 }
            return self.nextCallID
        }
        workers[process.pid] = worker
        return worker
    }

    /// Delivers what the inbox holds, in arrival order (before any exit posted after it).
    private func deliverInbox() {
        let messages = inbox.messages.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        for (message, line) in messages { deliver(message, from: line) }
    }

    private func deliver(_ message: WorkerMessage, from line: String) {
        switch message {
        case .ready(let pid):
            workers[pid]?.deliver(message)
        default:
            // results carry call ids, unique across workers
            for worker in workers.values where worker.ownsCall(message) {
                worker.deliver(message)
                return
            }
        }
    }
}

extension Worker {
    func ownsCall(_ message: WorkerMessage) -> Bool {
        switch message {
        case .progress(let id, _, _), .result(let id, _), .failure(let id, _, _): return pending[id] != nil
        default: return false
        }
    }
}
