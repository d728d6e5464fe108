import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// A pool of `rscript worker` processes fed from one queue: a free worker takes the next item
/// (so a slow item never holds back the others), workers start lazily up to `size` and are
/// reused, so a task script is loaded once per worker. An item whose worker dies is put back at
/// the head of the queue and runs on another worker, at most `retries` more times; each death
/// is reported through the runtime's `errorReporter`.
///
/// Lives on the runtime's loop thread. Idle workers do not keep the loop alive; the pool holds
/// it while it has items queued or running, and while its workers shut down after `close()`.
public final class WorkerPool {
    public enum State: String, Sendable { case open, closed, terminated }

    unowned let runtime: ScriptRuntime
    /// The most workers running at once.
    public let size: Int
    /// How many times an item is run again after its worker died.
    public let retries: Int
    /// Folder of the workers' logs (`pool<N>-worker<M>.log`); nil: the runtime's log folder.
    public let logDirectory: String?
    /// The pool's number in its runtime (log names, messages).
    public let number: Int
    public private(set) var state = State.open

    private var queue: [PoolItem] = []
    private var queueHead = 0
    /// Workers started and not seen dead, and those of them waiting for an item.
    private(set) var live: [Worker] = []
    private var idle: [Worker] = []
    private var nextWorkerID = 1
    /// Items submitted and not finished.
    public private(set) var pendingCount = 0
    private var holding = false
    /// Keeps the pool alive while it has work, whatever Lua does with its handle.
    private var selfReference: WorkerPool?
    private var joinWaiters: [() -> Void] = []
    /// Workers started in all (replacements included).
    public var workersStarted: Int { nextWorkerID - 1 }

    init(runtime: ScriptRuntime, number: Int, size: Int, retries: Int, logDirectory: String?) {
        self.runtime = runtime
        self.number = number
        self.size = size
        self.retries = retries
        self.logDirectory = logDirectory
    }

    deinit {
        for worker in live { worker.shutdown() }
    }

    // MARK: Submitting

    /// Queues `item`; it starts as soon as a worker is free. The pool must be open.
    public func submit(_ item: PoolItem) {
        precondition(state == .open, "WorkerPool.submit on a \(state) pool")
        runtime.pools.recordSubmitted([item], pool: number)
        queue.append(item)
        pendingCount += 1
        updateHold()
        dispatch()
    }

    /// Queues several items at once (one dispatch).
    public func submit(_ items: [PoolItem]) {
        precondition(state == .open, "WorkerPool.submit on a \(state) pool")
        runtime.pools.recordSubmitted(items, pool: number)
        queue.append(contentsOf: items)
        pendingCount += items.count
        updateHold()
        dispatch()
    }

    /// Finishes a queued item as cancelled; a running one is left to finish (false).
    @discardableResult
    public func cancel(_ item: PoolItem, reason: String) -> Bool {
        guard item.state == .queued else { return false }
        complete(item, .failure(.cancelled(reason: reason)))
        return true
    }

    // MARK: Closing

    /// No more items; the workers exit once the items already submitted are done.
    public func close() {
        guard state == .open else { return }
        state = .closed
        shutDownIfDone()
    }

    /// Cancels the queued items, kills the workers (their items fail as cancelled).
    public func terminate() {
        guard state != .terminated else { return }
        state = .terminated
        while queueHead < queue.count {
            let item = queue[queueHead]
            queueHead += 1
            if item.state == .queued { complete(item, .failure(.cancelled(reason: "the pool was terminated"))) }
        }
        queue = []
        queueHead = 0
        for worker in live {
            worker.shutdown()
            worker.kill(SIGKILL)
        }
        updateHold()
        checkJoined()
    }

    /// Whether the pool is closed or terminated and all its workers have exited.
    public var isJoined: Bool { state != .open && pendingCount == 0 && live.isEmpty }

    /// Runs `action` once the pool is joined (at once if it is). Only after `close()` or
    /// `terminate()`.
    public func whenJoined(_ action: @escaping () -> Void) {
        if isJoined { action() } else { joinWaiters.append(action) }
    }

    // MARK: Running items

    private func dispatch() {
        guard state != .terminated else { return }
        while queueHead < queue.count {
            let item = queue[queueHead]
            if item.state != .queued {
                queueHead += 1
                continue
            }
            let worker: Worker
            do {
                guard let free = try takeWorker() else { break }
                worker = free
            } catch {
                queueHead += 1
                complete(item, .failure(.cannotStart("\(error)")))
                continue
            }
            queueHead += 1
            start(item, on: worker)
        }
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        } else if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
    }

    /// An idle live worker, or a new one when fewer than `size` run; nil when all are busy.
    private func takeWorker() throws -> Worker? {
        while let worker = idle.popLast() {
            if worker.isAlive { return worker }
            forget(worker)
        }
        live.removeAll { !$0.isAlive && !$0.busy }
        guard live.count < size else { return nil }
        let id = nextWorkerID
        nextWorkerID += 1
        let logPath = logDirectory.map { "\($0)/pool\(number)-worker\(id).log" }
        let worker = try runtime.workers.spawn(id: id, logPath: logPath, keepsLoopAlive: false)
        live.append(worker)
        runtime.pools.track(worker, in: self)
        return worker
    }

    private func start(_ item: PoolItem, on worker: Worker) {
        item.state = .running
        item.attempts += 1
        item.worker = worker
        item.startedAt = MonotonicClock.now()
        item.fraction = 0
        item.message = nil
        runtime.pools.recordStarted(item, on: worker)
        worker.call(script: item.script, arguments: item.arguments, progress: { [unowned item] fraction, message in
            item.noteProgress(fraction, message)
        }) { [weak self] result in
            self?.ended(item, on: worker, result)
        }
    }

    private func ended(_ item: PoolItem, on worker: Worker, _ result: Result<JSONValue, WorkerFailure>) {
        switch result {
        case .success(let value):
            makeIdle(worker)
            complete(item, .success(value))
        case .failure(.raised(let message, let traceback)):
            makeIdle(worker)
            complete(item, .failure(.raised(message: message, traceback: traceback, worker: worker.id)))
        case .failure(.died(let status, let lastLines)):
            forget(worker)
            let death = WorkerDeath(worker: worker.id, pid: worker.process.pid, status: status)
            item.deaths.append(death)
            if state == .terminated {
                complete(item, .failure(.cancelled(reason: "the pool was terminated")))
            } else if item.state != .running {
                break  // cancelled meanwhile
            } else if item.attempts <= retries {
                runtime.errorReporter("rscript: warning: pool \(number): \(death) while it ran \(item.label) (\(item.script)); "
                    + "running it again on another worker (attempt \(item.attempts + 1) of \(retries + 1))")
                item.state = .queued
                requeueFirst(item)
            } else {
                runtime.errorReporter("rscript: warning: pool \(number): \(death) while it ran \(item.label) (\(item.script)); "
                    + "no retries left (\(item.attempts) attempt\(item.attempts == 1 ? "" : "s"))")
                complete(item, .failure(.workerDied(deaths: item.deaths, lastLines: lastLines)))
            }
        }
        dispatch()
        shutDownIfDone()
    }

    private func requeueFirst(_ item: PoolItem) {
        if queueHead > 0 {
            queueHead -= 1
            queue[queueHead] = item
        } else {
            queue.insert(item, at: 0)
        }
    }

    private func makeIdle(_ worker: Worker) {
        guard worker.isAlive else { return forget(worker) }
        if state == .terminated { return }
        idle.append(worker)
    }

    private func forget(_ worker: Worker) {
        live.removeAll { $0 === worker }
        idle.removeAll { $0 === worker }
    }

    /// Ends `item` with `result`, keeping the counts right before its completion runs (which may
    /// submit or cancel more).
    private func complete(_ item: PoolItem, _ result: Result<JSONValue, PoolFailure>) {
        guard item.state != .finished else { return }
        pendingCount -= 1
        runtime.pools.recordEnded(item, result)
        item.finish(result)
        updateHold()
        checkJoined()
    }

    // MARK: Worker exits

    /// A worker process exited (told by the pool registry, on the loop thread).
    func workerExited(_ worker: Worker) {
        // A busy worker's call fails through the worker registry; only forget idle ones here.
        if !worker.busy { forget(worker) }
        updateHold()
        checkJoined()
    }

    private func shutDownIfDone() {
        guard state == .closed, pendingCount == 0 else { return }
        for worker in live { worker.shutdown() }
        idle = []
        updateHold()
        checkJoined()
    }

    /// Shuts the workers down now (the pool must have no work): the end of a runtime.
    func shutDownForExit() {
        if state == .open { state = .closed }
        if pendingCount > 0 { terminate() } else { shutDownIfDone() }
    }

    private func checkJoined() {
        guard isJoined, !joinWaiters.isEmpty else { return }
        let actions = joinWaiters
        joinWaiters = []
        for action in actions { action() }
    }

    /// Holds the loop while items are pending, or while a closed pool's workers exit.
    private func updateHold() {
        let wanted = pendingCount > 0 || (state != .open && !live.isEmpty)
        guard wanted != holding else { return }
        holding = wanted
        if wanted {
            runtime.scheduler.hold()
            selfReference = self
        } else {
            runtime.scheduler.release()
            selfReference = nil
        }
    }
}
