import LuaBridge
import Synchronization

/// Database writes queued from a runtime's loop: the loop is held until each has landed, and its
/// completion runs on the loop (through the mailbox), never on the writer's thread.
final class WriteCompletions {
    private var pending: [Int: (String?) -> Void] = [:]
    private var nextID = 1
    /// Where the writers' threads leave finished writes for the loop.
    fileprivate let inbox = Inbox()

    fileprivate func add(_ completion: @escaping (String?) -> Void) -> Int {
        defer { nextID += 1 }
        pending[nextID] = completion
        return nextID
    }

    fileprivate func complete(_ id: Int, error: String?) {
        pending.removeValue(forKey: id)?(error)
    }

    /// Finished writes waiting for the loop. One mailbox post carries all that finish before the
    /// loop takes them: a transaction of a thousand queued writes costs the loop one wake-up.
    fileprivate final class Inbox: Sendable {
        private let state = Mutex<(done: [(id: Int, error: String?)], posted: Bool)>(([], false))

        func deliver(_ id: Int, error: String?, via mailbox: Mailbox) {
            let post = state.withLock { state -> Bool in
                state.done.append((id, error))
                defer { state.posted = true }
                return !state.posted
            }
            guard post else { return }
            mailbox.post { [self] scheduler in
                let done = state.withLock { state -> [(id: Int, error: String?)] in
                    state.posted = false
                    defer { state.done.removeAll(keepingCapacity: true) }
                    return state.done
                }
                let completions = ScriptRuntime.of(scheduler.state)?.writeCompletions
                for (id, error) in done {
                    scheduler.release()
                    completions?.complete(id, error: error)
                }
            }
        }
    }
}

extension DatabaseWriter {
    /// Queues `body` (nil: only wait for what is queued before) from `runtime`'s loop; `then`
    /// runs on the loop once it committed (nil) or failed (the error's description).
    func enqueue(_ body: Body?, from runtime: ScriptRuntime, then: @escaping (String?) -> Void = { _ in }) {
        let completions = runtime.writeCompletions
        let id = completions.add(then)
        let scheduler = runtime.scheduler
        scheduler.hold()  // the runtime does not end with writes in flight
        let mailbox = scheduler.mailbox
        let inbox = completions.inbox
        let describe = self.describe
        enqueue(body) { failure in
            inbox.deliver(id, error: failure.map(describe), via: mailbox)
        }
    }
}
