import Synchronization

/// One WebSocket connection as both sides see it. The NIO side waits on `decision` (the Lua
/// `connect` handler's verdict) and then drains `outgoing` into the socket; the loop side
/// decides and queues what `ws:send` and `ws:close` ask for. Only plain data crosses over.
final class WebSocketConnection: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        case binary([UInt8])
        case close(code: UInt16, reason: String)
    }

    let id: Int
    let outgoing: AsyncStream<Outgoing>
    private let sink: AsyncStream<Outgoing>.Continuation
    private let state = Mutex<State>(State())

    private struct State {
        var decision: CheckedContinuation<Bool, Never>?
        var decided: Bool?
        var accepted = false
    }

    init(id: Int) {
        self.id = id
        // Unbounded: `ws:send` never blocks the loop; what a slow client has not read yet waits
        // here (the loop's own memory limit still bounds the script).
        (outgoing, sink) = AsyncStream.makeStream(of: Outgoing.self)
    }

    /// Suspends the upgrade until the loop has run `connect`: true when it called `ws:accept()`.
    func waitForDecision() async -> Bool {
        await withCheckedContinuation { continuation in
            let early = state.withLock { state -> Bool? in
                if let decided = state.decided { return decided }
                state.decision = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }
    }

    /// `ws:accept()`, during `connect`.
    func accept() { state.withLock { $0.accepted = true } }

    var isAccepted: Bool { state.withLock { $0.accepted } }

    /// Ends the wait of `waitForDecision` (once; later calls do nothing).
    func decide() {
        let (waiting, verdict) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, Bool) in
            guard state.decided == nil else { return (nil, false) }
            state.decided = state.accepted
            defer { state.decision = nil }
            return (state.decision, state.accepted)
        }
        waiting?.resume(returning: verdict)
    }

    func send(_ message: Outgoing) {
        sink.yield(message)
        if case .close = message { sink.finish() }
    }

    /// The socket has gone: nothing more is sent.
    func finish() { sink.finish() }
}
