
/// One call of a task script waiting in, or running through, a `WorkerPool`: `f(client,
/// arguments...)`. Lives on the loop thread. Its completion runs exactly once.
public final class PoolItem {
    public enum State: String, Sendable { case queued, running, finished }

    public let script: String
    public let arguments: [JSONValue]
    /// How warnings and errors name it: `task 3 of 10`.
    public let label: String
    public internal(set) var state = State.queued
    /// How many times it was sent to a worker (retries after a worker died included).
    public internal(set) var attempts = 0
    public internal(set) var deaths: [WorkerDeath] = []
    /// The worker running it now, or that ran it last.
    public internal(set) var worker: Worker?
    /// CLOCK_MONOTONIC seconds at the start of its current attempt, and at its end.
    public internal(set) var startedAt: Double?
    public internal(set) var finishedAt: Double?
    /// The last `client:progress(fraction, message)` of its current attempt.
    public internal(set) var fraction = 0.0
    public internal(set) var message: String?
    /// How many progress updates arrived (all attempts).
    public internal(set) var progressUpdates = 0
    public internal(set) var result: Result<JSONValue, PoolFailure>?

    /// Its row in `pool_tasks`, when the pool records tasks (filled in by the database writer).
    var recordID: PoolTaskStore.RowID?
    var onProgress: ((PoolItem) -> Void)?
    var completion: ((PoolItem, Result<JSONValue, PoolFailure>) -> Void)?

    public init(script: String, arguments: [JSONValue], label: String,
                completion: @escaping (PoolItem, Result<JSONValue, PoolFailure>) -> Void) {
        self.script = script
        self.arguments = arguments
        self.label = label
        self.completion = completion
    }

    func noteProgress(_ fraction: Double, _ message: String?) {
        guard state == .running else { return }
        self.fraction = fraction.isFinite ? min(1, max(0, fraction)) : self.fraction
        if let message { self.message = message }
        progressUpdates += 1
        onProgress?(self)
    }

    /// Ends the item (once; later calls are ignored) and runs its completion.
    func finish(_ result: Result<JSONValue, PoolFailure>) {
        guard state != .finished else { return }
        state = .finished
        finishedAt = MonotonicClock.now()
        if case .success = result { fraction = 1 }
        self.result = result
        let completion = self.completion
        self.completion = nil
        onProgress = nil
        completion?(self, result)
    }
}
