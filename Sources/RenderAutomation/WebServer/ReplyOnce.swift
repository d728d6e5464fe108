import Synchronization

/// The waiting request's continuation, resumed by whichever comes first: the Lua handler's
/// answer or the request deadline's 504. Later answers are dropped; an answer that comes
/// before the wait begins is kept for it.
final class ReplyOnce: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<WebReply, Never>)
        case answered(WebReply)
        case done
    }

    private let state = Mutex<State>(.idle)

    func wait(_ continuation: CheckedContinuation<WebReply, Never>) {
        let early = state.withLock { state -> WebReply? in
            if case .answered(let reply) = state {
                state = .done
                return reply
            }
            state = .waiting(continuation)
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func answer(_ reply: WebReply) {
        let waiting = state.withLock { state -> CheckedContinuation<WebReply, Never>? in
            switch state {
            case .idle:
                state = .answered(reply)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .answered, .done:
                return nil
            }
        }
        waiting?.resume(returning: reply)
    }
}
