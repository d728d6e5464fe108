import LuaBridge

/// The result of `apply_async`, to come: one item of a pool, with its progress (the last
/// `client:progress` of its task) and the waiters to wake when it ends. Lives on the loop thread.
public final class PoolFuture {
    public let pool: WorkerPool
    public let item: PoolItem
    /// Run when it ends (each once); those of a wait that ended otherwise (a timeout) are
    /// dropped as new ones come.
    private var waiters: [(token: LuaScheduler.WakeToken?, action: () -> Void)] = []

    public init(pool: WorkerPool, script: String, arguments: [JSONValue]) {
        self.pool = pool
        item = PoolItem(script: script, arguments: arguments, label: "an apply_async task") { _, _ in }
        // The item keeps its future alive until it ends.
        item.completion = { _, _ in self.ended() }
    }

    public var isReady: Bool { item.state == .finished }
    public var result: Result<JSONValue, PoolFailure>? { item.result }

    public func start() { pool.submit(item) }

    /// Runs `action` when the future is ready (at once if it is).
    public func whenReady(_ action: @escaping () -> Void) {
        if isReady { action() } else { waiters.append((nil, action)) }
    }

    /// Runs `action` when the future is ready, unless `token` was resolved otherwise by then.
    public func whenReady(token: LuaScheduler.WakeToken, _ action: @escaping () -> Void) {
        if isReady { return action() }
        let scheduler = pool.runtime.scheduler
        waiters.removeAll { waiter in waiter.token.map { !scheduler.isPending($0) } ?? false }
        waiters.append((token, action))
    }

    private func ended() {
        let waiters = self.waiters
        self.waiters = []
        for waiter in waiters { waiter.action() }
    }

    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    public var status: String {
        switch item.state {
        case .queued: return "queued"
        case .running: return "running"
        case .finished:
            switch item.result {
            case .success?: return "done"
            case .failure(.cancelled)?: return "cancelled"
            default: return "failed"
            }
        }
    }

    /// What `future:info()` gives: status, fraction, message, attempts, worker, elapsed, updates.
    public var info: LuaValue {
        var info: [String: LuaValue] = [
            "status": .string(status),
            "fraction": .double(item.fraction),
            "attempts": .int(Int64(item.attempts)),
            "updates": .int(Int64(item.progressUpdates)),
        ]
        if let message = item.message { info["message"] = .string(message) }
        if let worker = item.worker { info["worker"] = .int(Int64(worker.id)) }
        if let started = item.startedAt {
            info["elapsed"] = .double((item.finishedAt ?? MonotonicClock.now()) - started)
        }
        if case .failure(let failure)? = item.result { info["error"] = .string(failure.description) }
        return .object(info)
    }
}
