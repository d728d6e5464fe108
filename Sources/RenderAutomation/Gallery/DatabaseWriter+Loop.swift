import LuaBridge

/// Database writes queued from a runtime's loop: the loop is held until each has landed, and its
/// completion runs on the loop (through the mailbox), never on the writer's thread.
final class WriteCompletions {
    private var pending: [Int: (String?) -> Void] = [:]
    private var nextID = 1

    fileprivate func add(_ completion: @escaping (String?) -> Void) -> Int {
        defer { nextID += 1 }
        pending[nextID] = completion
        return nextID
    }

    fileprivate func complete(_ id: Int, error: String?) {
        pending.removeValue(forKey: id)?(error)
    }
}

extension DatabaseWriter {
    /// Queues `body` (nil: only wait for what is queued before) from `runtime`'s loop; `then`
    /// runs on the loop once it committed (nil) or failed (the error's description).
    func enqueue(_ body: Body?, from runtime: ScriptRuntime, then: @escaping (String?) -> Void = { _ in }) {
        let id = runtime.writeCompletions.add(then)
        let scheduler = runtime.scheduler
        scheduler.hold()  // the runtime does not end with writes in flight
        let mailbox = scheduler.mailbox
        let describe = self.describe
        enqueue(body) { failure in
            let error = failure.map(describe)
            mailbox.post { scheduler in
                scheduler.release()
                ScriptRuntime.of(scheduler.state)?.writeCompletions.complete(id, error: error)
            }
        }
    }
}
