import LuaBridge
import Synchronization

/// The loop side of a process's message channel (`process.spawn{..., channel = true}`): the
/// lines the child wrote to its fd 4, queued until `Process:receive` takes them, and the tasks
/// waiting for one. The I/O thread only touches `inbox`; everything else lives on the loop.
final class ProcessChannel {
    /// Lines read by the I/O thread, waiting for the loop (one mailbox post per burst).
    final class Inbox: Sendable {
        let lines = Mutex<[String]>([])
    }

    let inbox = Inbox()
    private var queue: [String] = []
    private var head = 0
    /// The process exited: after the queued lines, no more come.
    private(set) var ended = false
    private var waiters: [(token: LuaScheduler.WakeToken, timer: Int?)] = []
    private unowned let scheduler: LuaScheduler

    init(scheduler: LuaScheduler) {
        self.scheduler = scheduler
    }

    /// The closure the supervisor calls with each line (on its I/O thread).
    func receiver(mailbox: Mailbox) -> @Sendable (String) -> Void {
        let inbox = self.inbox
        let id = ObjectIdentifier(self)
        return { line in
            let first = inbox.lines.withLock { lines in
                lines.append(line)
                return lines.count == 1
            }
            guard first else { return }  // a post is on its way and takes this one too
            mailbox.post { scheduler in
                ScriptRuntime.of(scheduler.state)?.processes.deliverChannel(id)
            }
        }
    }

    /// The next queued line, if any.
    func pop() -> String? {
        guard head < queue.count else { return nil }
        let line = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: queue.count <= 1024)
            head = 0
        }
        return line
    }

    /// Suspends the current task until a line comes (resolved with it), the process ends or
    /// `timeout` passes (resolved with nil). The task holds the loop while it waits.
    func wait(token: LuaScheduler.WakeToken, timeout: Double?) {
        var timer: Int?
        if let timeout {
            timer = scheduler.after(timeout) { [weak self] in
                guard let self, let i = self.waiters.firstIndex(where: { $0.token == token }) else { return }
                self.waiters.remove(at: i)
                self.scheduler.release()
                self.scheduler.resolve(token, with: [.nil])
            }
        }
        scheduler.hold()
        waiters.append((token, timer))
    }

    /// Moves what the inbox holds to the queue and hands lines to the waiting tasks, in order.
    func deliver() {
        let lines = inbox.lines.withLock { lines in
            defer { lines.removeAll(keepingCapacity: true) }
            return lines
        }
        queue.append(contentsOf: lines)
        while !waiters.isEmpty, let line = pop() {
            resolveFirst(with: .string(line))
        }
    }

    /// The process exited (every line it wrote was delivered before): the waiters get nil.
    func end() {
        deliver()
        ended = true
        while !waiters.isEmpty { resolveFirst(with: .nil) }
    }

    private func resolveFirst(with value: LuaValue) {
        let waiter = waiters.removeFirst()
        if let timer = waiter.timer { scheduler.cancelTimer(timer) }
        scheduler.release()
        scheduler.resolve(waiter.token, with: [value])
    }
}
