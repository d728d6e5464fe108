import Foundation
import NIOCore
import Synchronization

/// One server-sent event: `id: BOOT.N`, its kind as the `event:` name, its JSON as `data:`.
struct ServeEvent: Sendable {
    var id: Int64
    var kind: String
    var data: JSONValue

    func text(boot: String) -> String {
        "id: \(boot).\(id)\nevent: \(kind)\ndata: \(data.jsonText)\n\n"
    }
}

/// The events of `GET /api/v1/events`: what the watcher found changed, numbered, kept for a
/// while so that a client that reconnects with `Last-Event-ID` gets what it missed, and handed to
/// each subscriber's stream. Ids carry the server's boot time, so an id from an earlier server
/// (whose numbers mean nothing now) gets a `reset` event: the client reloads what it shows.
final class ServeEvents: Sendable {
    /// How many events are kept for resuming.
    static let kept = 10_000
    static let maxSubscribers = 1000

    let boot: String
    private struct State {
        var nextID: Int64 = 1
        var recent: [ServeEvent] = []
        var subscribers: [Int: AsyncStream<ServeEvent>.Continuation] = [:]
        var nextSubscriber = 1
        var closed = false
    }
    private let state = Mutex(State())

    init(boot: String = String(Int64(Date().timeIntervalSince1970 * 1000), radix: 36)) {
        self.boot = boot
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Numbers the events and sends them to every subscriber.
    func publish(_ events: [(kind: String, data: JSONValue)]) {
        guard !events.isEmpty else { return }
        state.withLock { state in
            for (kind, data) in events {
                let event = ServeEvent(id: state.nextID, kind: kind, data: data)
                state.nextID += 1
                state.recent.append(event)
                for continuation in state.subscribers.values { continuation.yield(event) }
            }
            if state.recent.count > Self.kept + Self.kept / 4 { state.recent.removeFirst(state.recent.count - Self.kept) }
        }
    }

    /// A comment line to every subscriber: keeps proxies from closing a quiet stream, and lets
    /// the server notice a client that left.
    func keepAlive() {
        state.withLock { state in
            for continuation in state.subscribers.values { continuation.yield(ServeEvent(id: 0, kind: "", data: .null)) }
        }
    }

    struct Subscription: Sendable {
        var id: Int
        /// What the client missed since its `Last-Event-ID`, or a `reset` event.
        var replay: [ServeEvent]
        var stream: AsyncStream<ServeEvent>
    }

    /// Nil when the server is stopping or has too many subscribers.
    func subscribe(lastEventID: String?) -> Subscription? {
        let (stream, continuation) = AsyncStream<ServeEvent>.makeStream(bufferingPolicy: .bufferingNewest(5000))
        return state.withLock { state -> Subscription? in
            guard !state.closed, state.subscribers.count < Self.maxSubscribers else { return nil }
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = continuation
            var replay: [ServeEvent] = []
            if let last = lastEventID, !last.isEmpty {
                let parts = last.split(separator: ".")
                let oldest = state.recent.first?.id ?? state.nextID
                if parts.count == 2, parts[0] == boot, let n = Int64(parts[1]), n >= oldest - 1, n < state.nextID {
                    replay = state.recent.filter { $0.id > n }
                } else {
                    replay = [ServeEvent(id: state.nextID - 1, kind: "reset", data: .object(["reason": .string(
                        "the events after \(last) are no longer kept (or come from an earlier server): reload")]))]
                }
            }
            return Subscription(id: id, replay: replay, stream: stream)
        }
    }

    func unsubscribe(_ id: Int) {
        let continuation = state.withLock { $0.subscribers.removeValue(forKey: id) }
        continuation?.finish()
    }

    /// Ends every stream (the server is stopping); later subscriptions are refused.
    func close() {
        let all = state.withLock { state -> [AsyncStream<ServeEvent>.Continuation] in
            state.closed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for continuation in all { continuation.finish() }
    }
}
