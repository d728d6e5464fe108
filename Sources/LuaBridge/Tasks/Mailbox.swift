import CLuaShim
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The one way other threads reach a state's loop: they post work, the loop runs it on its own
/// thread. Posting is thread-safe; waking uses an eventfd, so a signal handler can wake the loop
/// too (`wakeFileDescriptor`, written with `write(2)`, which is async-signal-safe).
public final class Mailbox: Sendable {
    public typealias Work = @Sendable (LuaScheduler) -> Void

    private let queue = Mutex<[Work]>([])
    /// An eventfd: readable while work (or a signal) is waiting.
    public let wakeFileDescriptor: Int32

    public init() {
        wakeFileDescriptor = rscript_eventfd()
        precondition(wakeFileDescriptor >= 0, "eventfd failed")
    }

    deinit { close(wakeFileDescriptor) }

    /// Runs `work` on the loop's thread, soon. Callable from any thread.
    public func post(_ work: @escaping Work) {
        // One wake per batch: work posted behind other work that is not taken yet is found by
        // the same turn (the loop always takes the queue after it wakes), so only the post
        // that finds the queue empty writes the eventfd. Under load (a web server's requests)
        // that saves a system call per post.
        let first = queue.withLock { queue in
            queue.append(work)
            return queue.count == 1
        }
        if first { wake() }
    }

    public func wake() {
        var one: UInt64 = 1
        _ = write(wakeFileDescriptor, &one, 8)
    }

    func takeAll() -> [Work] {
        queue.withLock { queue in
            let all = queue
            queue.removeAll(keepingCapacity: true)
            return all
        }
    }

    /// Sleeps until woken or `timeout` seconds pass (nil: no limit).
    func wait(timeout: Double?) {
        var descriptor = pollfd(fd: wakeFileDescriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds: Int32 = timeout.map { Int32(min(max(($0 * 1000).rounded(.up), 0), 86_400_000)) } ?? -1
        // Read the eventfd only when it woke us: a timer's wake-up (most of them, for polled
        // renders) then costs one system call, not two.
        guard poll(&descriptor, 1, milliseconds) > 0, descriptor.revents & Int16(POLLIN) != 0 else { return }
        var counter: UInt64 = 0
        _ = read(wakeFileDescriptor, &counter, 8)
    }
}
