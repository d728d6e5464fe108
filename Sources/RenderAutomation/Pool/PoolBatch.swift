import LuaBridge

/// The items of one `map`, `starmap` or `imap` call and their results, in order or as they
/// come. Lives on the loop thread.
///
/// For `map` (`waitAll`): the first failure cancels the batch's queued items; once its running
/// items are done too, the waiter gets that failure (never a hang, never a result list with
/// holes). For `imap` (`next`): results come one by one; a failure is given at its turn (in
/// completion order when unordered), and cancels what is still queued.
public final class PoolBatch {
    public enum Order: Sendable { case ordered, unordered }

    public let pool: WorkerPool
    public let order: Order
    /// `map`, `starmap`, `imap`, `imap_unordered`: how messages name the call.
    public let operation: String
    /// Whether the first failure cancels the queued items at once (`map`), rather than when it
    /// is handed out (`imap`).
    public let failsFast: Bool
    public private(set) var items: [PoolItem] = []
    private var results: [Result<JSONValue, PoolFailure>?]
    private var finishedCount = 0
    /// The first failure by time: (index, failure).
    public private(set) var firstFailure: (index: Int, failure: PoolFailure)?
    private var failureCount = 0
    /// Unordered delivery: indices in completion order.
    private var completed: [Int] = []
    /// The next result `next()` gives (an index into `items` or into `completed`).
    private var cursor = 0
    private var waiter: (() -> Void)?

    public init(pool: WorkerPool, script: String, argumentLists: [[JSONValue]], operation: String,
                order: Order = .ordered, failsFast: Bool) {
        self.pool = pool
        self.order = order
        self.operation = operation
        self.failsFast = failsFast
        results = Array(repeating: nil, count: argumentLists.count)
        let count = argumentLists.count
        items = argumentLists.enumerated().map { index, arguments in
            PoolItem(script: script, arguments: arguments, label: "task \(index + 1) of \(count)") { _, _ in }
        }
        // Each item keeps its batch alive until it finishes (its completion is then dropped).
        for (index, item) in items.enumerated() {
            item.completion = { _, result in self.itemFinished(index, result) }
        }
    }

    public var count: Int { items.count }
    public var isComplete: Bool { finishedCount == items.count }

    /// Queues every item in the pool.
    public func start() {
        pool.submit(items)
    }

    private func itemFinished(_ index: Int, _ result: Result<JSONValue, PoolFailure>) {
        results[index] = result
        finishedCount += 1
        completed.append(index)
        if case .failure(let failure) = result {
            if case .cancelled = failure {} else {
                failureCount += 1
                if firstFailure == nil {
                    firstFailure = (index, failure)
                    if failsFast { cancelQueued(reason: "\(label(index)) failed") }
                }
            }
        }
        wakeWaiter()
    }

    private func label(_ index: Int) -> String { "task \(index + 1) of \(items.count)" }

    /// Cancels the items not started yet (an abandoned `imap`, a failed `map`).
    public func cancelQueued(reason: String) {
        for item in items where item.state == .queued { pool.cancel(item, reason: reason) }
    }

    private func wakeWaiter() {
        guard let waiter else { return }
        self.waiter = nil
        waiter()
    }

    // MARK: map

    /// What `map` waits for: every item done, or a failure and no item of the batch running.
    public var isSettled: Bool {
        isComplete || (firstFailure != nil && !items.contains { $0.state == .running })
    }

    /// All results in order, or the first failure as `task 3 of 10 failed: ...`. Only once
    /// `isSettled`.
    public func outcome() -> Result<[JSONValue], PoolBatchError> {
        if let (index, failure) = firstFailure {
            return .failure(PoolBatchError(index: index, count: items.count, failure: failure, otherFailures: failureCount - 1))
        }
        return .success(results.map { (try? $0?.get()) ?? .null })
    }

    /// Runs `action` once settled (at once if it is).
    public func whenSettled(_ action: @escaping () -> Void) {
        if isSettled { return action() }
        waiter = { [unowned self] in
            if self.isSettled { action() } else { self.whenSettled(action) }
        }
    }

    // MARK: imap

    public enum Next {
        case value(JSONValue, index: Int)
        case failure(PoolBatchError)
        case end
    }

    /// The next result if it is there (nil: not yet).
    public func next() -> Next? {
        guard cursor < items.count else { return .end }
        let index = order == .ordered ? cursor : (cursor < completed.count ? completed[cursor] : -1)
        guard index >= 0, let result = results[index] else { return nil }
        cursor += 1
        switch result {
        case .success(let value):
            return .value(value, index: index)
        case .failure(let failure):
            cancelQueued(reason: "\(label(index)) failed")
            return .failure(PoolBatchError(index: index, count: items.count, failure: failure, otherFailures: 0))
        }
    }

    /// Runs `action` when the next result may be there.
    public func whenNextMayBeReady(_ action: @escaping () -> Void) {
        waiter = action
    }
}

/// A failed item of a batch, as `map` raises it: `task 3 of 10 failed: message` plus the
/// worker's traceback.
public struct PoolBatchError: Error, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public var failure: PoolFailure
    public var otherFailures: Int

    public var description: String {
        let others = otherFailures > 0 ? " (and \(otherFailures) other\(otherFailures == 1 ? "" : "s"))" : ""
        return "task \(index + 1) of \(count) failed\(others): \(failure)"
    }
}
