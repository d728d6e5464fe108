import NIOCore
import Synchronization

/// The fallback 504 of requests whose Lua handler has not answered in time (the loop ends a
/// late handler itself; this answers for a loop stuck in a long C call). One sweep a quarter
/// second, on one event loop, for every pending request: a timer per request cost two event-loop
/// wake-ups each (schedule from the request's task, then cancel), a tenth of the Lua path's time.
final class ReplyDeadlines: Sendable {
    private struct Pending {
        var reply: ReplyOnce
        var deadline: NIODeadline
        var answer: WebReply
    }
    private struct State {
        var pending: [Int: Pending] = [:]
        var next = 0
        var sweeping = false
    }
    private let state = Mutex(State())
    private let eventLoop: any EventLoop
    static let sweepInterval = TimeAmount.milliseconds(250)

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Answers `reply` with `answer` once `seconds` have passed, unless `remove` came first.
    func add(_ reply: ReplyOnce, seconds: Double, answer: WebReply) -> Int {
        let deadline = NIODeadline.now() + .milliseconds(Int64(seconds * 1000))
        let (key, start) = state.withLock { state -> (Int, Bool) in
            let key = state.next
            state.next += 1
            state.pending[key] = Pending(reply: reply, deadline: deadline, answer: answer)
            defer { state.sweeping = true }
            return (key, !state.sweeping)
        }
        if start { scheduleSweep() }
        return key
    }

    func remove(_ key: Int) {
        _ = state.withLock { $0.pending.removeValue(forKey: key) }
    }

    private func scheduleSweep() {
        eventLoop.scheduleTask(in: Self.sweepInterval) { [self] in sweep() }
    }

    private func sweep() {
        let now = NIODeadline.now()
        let (due, again) = state.withLock { state -> ([Pending], Bool) in
            let due = state.pending.filter { $0.value.deadline <= now }
            for key in due.keys { state.pending.removeValue(forKey: key) }
            // Nothing pending: the sweeps stop until the next request.
            state.sweeping = !state.pending.isEmpty
            return (Array(due.values), state.sweeping)
        }
        for item in due { item.reply.answer(item.answer) }
        if again { scheduleSweep() }
    }
}
