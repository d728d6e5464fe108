import Synchronization

/// Runs work for one key at a time across the process: a second thread asking for a thumbnail
/// being made waits for it and then finds it in the cache, rather than making it again.
/// Different keys run in parallel. Shared by every `ThumbnailCache` value (they are copied
/// freely), so it is a process-wide singleton.
final class KeyedGate: Sendable {
    static let shared = KeyedGate()

    private final class Gate: Sendable {
        let mutex = Mutex<Void>(())
    }

    /// The gate of each key in use, with the number of threads holding or waiting for it.
    private let gates = Mutex<[String: (gate: Gate, users: Int)]>([:])

    func run<T>(_ key: String, _ body: () -> T) -> T {
        let gate = gates.withLock { gates in
            let entry = gates[key] ?? (Gate(), 0)
            gates[key] = (entry.gate, entry.users + 1)
            return entry.gate
        }
        defer {
            gates.withLock { gates in
                if let entry = gates[key] {
                    gates[key] = entry.users == 1 ? nil : (entry.gate, entry.users - 1)
                }
            }
        }
        return gate.mutex.withLock { _ in body() }
    }
}
