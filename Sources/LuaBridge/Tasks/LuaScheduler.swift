import CLuaShim

// The Tasks/ folder (LuaScheduler, LuaThread, TimerQueue, Mailbox) is the event loop, and it
// lives in the bridge because it is how Lua code runs at all: resuming coroutines, a Swift
// call suspending its task (`lua_yieldk` through the C shim) and waking it with values pushed
// under the bridge's stack rules are bridge operations. It knows nothing of renders, jobs or
// processes; the domain library builds those on `spawn`, `suspendCurrentTask`, timers and the
// mailbox.

/// Runs Lua code as tasks (coroutines of one state) and drives them from Swift: the loop of a
/// runtime, in the manner of Node's event loop. Lives on the state's thread, like the state.
///
/// A Swift function that must wait (a sleep, a process exit) takes `currentTask`, arranges for
/// `wake(_:with:)` to be called later (a timer, or a `mailbox.post` from another thread), and
/// returns `call.suspend()`. The loop runs until nothing more can happen: no task ready, no
/// timer, no `hold()` outstanding.
public final class LuaScheduler {
    public unowned let state: LuaState
    public let mailbox = Mailbox()

    public enum TaskState: Sendable, Equatable { case ready, running, suspended, finished, failed }

    public final class Task {
        public let id: Int
        public let name: String
        public let thread: LuaThread
        public internal(set) var state: TaskState = .ready
        public internal(set) var result: Result<[LuaValue], LuaError>?
        /// When the task must have finished (CLOCK_MONOTONIC seconds), and the span it was given.
        var deadline: (at: Double, span: Double)?
        /// The timer that enforces `deadline`; cancelled when the task ends, so that it does not
        /// keep the loop alive for the rest of the span.
        var deadlineTimer: Int?
        var onFinish: ((Result<[LuaValue], LuaError>) -> Void)?
        var whenDone: [(Result<[LuaValue], LuaError>) -> Void] = []

        init(id: Int, name: String, thread: LuaThread) {
            self.id = id
            self.name = name
            self.thread = thread
        }

        /// Runs `action` once the task has finished or failed (at once if it already has).
        public func whenDone(_ action: @escaping (Result<[LuaValue], LuaError>) -> Void) {
            if let result { action(result) } else { whenDone.append(action) }
        }
    }

    /// Pushes the values a task resumes with on its thread and returns how many. It reserves the
    /// slots it needs (`LuaState.push(values:on:as:)`). A throw fails a task that has not started
    /// yet, and raises the error in a suspended one, at the call that suspended it.
    public typealias Pusher = (OpaquePointer) throws -> Int32

    private var ready: [(Task, Pusher)] = []
    private var readyHead = 0
    private var timers = TimerQueue()
    private var holds = 0
    private var nextTaskID = 1
    /// Tasks with a smaller id are not resumed any more (see `stopTasks`).
    private var stoppedBelowID = 0
    public private(set) var liveTasks: [Int: Task] = [:]
    /// The task whose coroutine is running now, if any.
    public private(set) var currentTask: Task?
    /// Called for a failed task that has no `onFinish`.
    public var onUnhandledError: ((Task, LuaError) -> Void)?
    /// Called at each turn of the loop, before waiting (the runtime checks signals here).
    public var onTurn: (() -> Void)?

    public init(state: LuaState) {
        self.state = state
    }

    // MARK: Tasks

    /// Starts `function(arguments...)` as a task; it first runs at the next turn of the loop.
    @discardableResult
    public func spawn(
        _ function: LuaFunction,
        arguments: [LuaValue] = [],
        name: String = "task",
        onFinish: ((Result<[LuaValue], LuaError>) -> Void)? = nil
    ) -> Task {
        spawn(function, name: name, onFinish: onFinish) { L in
            try self.state.push(values: arguments, on: L, as: "arguments to pass to a new task")
            return Int32(arguments.count)
        }
    }

    @discardableResult
    public func spawn(
        _ function: LuaFunction,
        name: String = "task",
        onFinish: ((Result<[LuaValue], LuaError>) -> Void)? = nil,
        pushingArguments: @escaping Pusher
    ) -> Task {
        let task = Task(id: nextTaskID, name: name, thread: LuaThread(state: state, function: function))
        nextTaskID += 1
        task.onFinish = onFinish
        liveTasks[task.id] = task
        ready.append((task, pushingArguments))
        return task
    }

    /// Makes a suspended task ready again; `values` become the results of the call that suspended it.
    public func wake(_ task: Task, with values: [LuaValue] = []) {
        wake(task) { L in
            try self.state.push(values: values, on: L, as: "results to return")
            return Int32(values.count)
        }
    }

    public func wake(_ task: Task, pushing: @escaping Pusher) {
        guard task.state == .suspended || task.state == .running else { return }
        task.state = .ready
        ready.append((task, pushing))
    }

    /// Stops every task spawned so far: none of them runs again, and each ends with an
    /// "interrupted" failure when it would have been resumed. For a runtime that is stopping
    /// (Ctrl-C, a failed main chunk): its stop hooks, spawned after this, still run, but a task
    /// left looping or woken by the shutdown must not, since no interrupt would stop it then.
    public func stopTasks() {
        stoppedBelowID = nextTaskID
    }

    /// Ends `task` with a deadline error (kind `.deadline`, which `pcall` does not keep) unless it
    /// finishes within `seconds`: raised by the limits hook while it runs, and at the call that
    /// suspended it while it waits. For work that must not outlive an answer already given (a
    /// web request's REQUEST_TIMEOUT).
    public func setDeadline(_ task: Task, seconds: Double) {
        task.deadline = (rscript_monotonic() + seconds, seconds)
        task.deadlineTimer = after(seconds) { [unowned self] in self.enforceDeadline(task) }
    }

    private func enforceDeadline(_ task: Task) {
        guard task.result == nil, let deadline = task.deadline else { return }
        guard task.state == .suspended else {
            // Ready or yielded plainly: the hook meets it when it runs; look again soon, in
            // case it only ever runs a few instructions between waits.
            task.deadlineTimer = after(0.05) { [unowned self] in self.enforceDeadline(task) }
            return
        }
        let span = deadline.span == deadline.span.rounded() && deadline.span < 1e15 ? "\(Int(deadline.span))" : "\(deadline.span)"
        let message = "deadline exceeded (\(span) s of wall-clock time) in \(task.name)"
        wake(task) { L in
            guard lua_checkstack(L, 3) != 0 else { throw LuaScriptError(message) }
            rscript_push_raise_marker(L)
            message.withCString { rscript_push_limit_error(L, $0, message.utf8.count, 2) }
            return 2
        }
    }

    // MARK: Wake tokens

    /// Identifies one suspension of one task; resolving it twice (a timeout racing an exit, say)
    /// wakes the task only once.
    public struct WakeToken: Sendable, Hashable {
        public let id: Int
    }

    private var pendingTokens: [Int: Task] = [:]
    private var nextTokenID = 1

    /// Suspends the current task until the token is resolved; nil when no task is running.
    /// The calling Swift function must then return `call.suspend()`.
    public func suspendCurrentTask() -> WakeToken? {
        guard let task = currentTask else { return nil }
        let token = WakeToken(id: nextTokenID)
        nextTokenID += 1
        pendingTokens[token.id] = task
        task.state = .suspended
        return token
    }

    /// Wakes the task waiting on `token` with `values`; false if it was already resolved.
    @discardableResult
    public func resolve(_ token: WakeToken, with values: [LuaValue] = []) -> Bool {
        guard let task = pendingTokens.removeValue(forKey: token.id) else { return false }
        wake(task, with: values)
        return true
    }

    @discardableResult
    public func resolve(_ token: WakeToken, pushing: @escaping Pusher) -> Bool {
        guard let task = pendingTokens.removeValue(forKey: token.id) else { return false }
        wake(task, pushing: pushing)
        return true
    }

    /// Wakes the task waiting on `token` so that the call that suspended it raises `message`
    /// (with the caller's position, as a `LuaScriptError` thrown there would); false if the
    /// token was already resolved. For failures of work done off the loop.
    @discardableResult
    public func resolve(_ token: WakeToken, raising message: String) -> Bool {
        resolve(token) { _ in throw LuaScriptError(message) }  // a pusher's throw raises there
    }

    public func isPending(_ token: WakeToken) -> Bool { pendingTokens[token.id] != nil }

    // MARK: Timers and holds

    /// Runs `action` on the loop after `seconds`; returns an id for `cancelTimer`.
    @discardableResult
    ///
    /// `tolerance` (seconds) is how much later it may run: the deadline is rounded up to a
    /// multiple of it, so timers that fall due within one such span fire in one wake-up
    /// (as a kernel's timer slack does). Never earlier than asked.
    public func after(_ seconds: Double, tolerance: Double = 0.001, _ action: @escaping () -> Void) -> Int {
        timers.add(deadline: Self.coalescedDeadline(rscript_monotonic() + max(0, seconds), tolerance: tolerance), action)
    }

    /// `deadline` rounded up to a multiple of `tolerance`, by default the next whole millisecond.
    /// Why: the loop sleeps in whole milliseconds anyway (`Mailbox.wait`), so a timer is never
    /// more than 1 ms later than before, and every timer that falls due within one millisecond
    /// fires in one wake-up instead of one each.
    static func coalescedDeadline(_ deadline: Double, tolerance: Double = 0.001) -> Double {
        let grain = max(tolerance, 0.001)
        return (deadline / grain).rounded(.up) * grain
    }

    public func cancelTimer(_ id: Int) { timers.cancel(id) }

    /// Keeps the loop alive for something outside it (a process, a server) until `release()`.
    public func hold() { holds += 1 }
    public func release() { holds = max(0, holds - 1) }

    /// Suspends the current task for `seconds` (the call must then return `call.suspend()`).
    public func sleepCurrentTask(_ seconds: Double) {
        guard let task = currentTask else { return }
        task.state = .suspended
        after(seconds) { [unowned self] in self.wake(task) }
    }

    /// Whether anything could still happen: a ready task, a timer, a hold.
    public var hasPendingWork: Bool {
        readyHead < ready.count || timers.liveCount > 0 || holds > 0
    }

    // MARK: The loop

    /// Runs until `done()` is true or nothing more can happen.
    public func run(until done: () -> Bool = { false }) {
        #if DEBUG
        let baseTop = lua_gettop(state.L)
        #endif
        while !done() {
            #if DEBUG
            // Every bridge call between two turns leaves the main thread's stack as it found
            // it; a leak here is a bridge bug, and a debug build stops on it (failing the test).
            if lua_gettop(state.L) != baseTop {
                preconditionFailure("rscript: bridge bug: the main thread's stack holds \(lua_gettop(state.L)) values between turns, \(baseTop) before")
            }
            #endif
            for work in mailbox.takeAll() { work(self) }
            onTurn?()
            if done() { return }
            if readyHead < ready.count {
                runReadyTasks()
                continue
            }
            let now = rscript_monotonic()
            let due = timers.popDue(now: now)
            if !due.isEmpty {
                for action in due { action() }
                continue
            }
            if !hasPendingWork { return }
            let timeout = timers.nextDeadline.map { $0 - now }
            mailbox.wait(timeout: timeout)
        }
    }

    private func runReadyTasks() {
        // Tasks made ready while these run wait for the next turn, so timers and the mailbox
        // are not starved.
        let end = ready.count
        while readyHead < end {
            let (task, pusher) = ready[readyHead]
            readyHead += 1
            step(task, pusher)
        }
        compactReady()
    }

    /// Drops the entries already run. Tasks made ready during a turn stay behind the head, so
    /// without this a task that yields (or is woken) every turn keeps the queue from ever
    /// emptying: it would grow by one entry per turn, and each entry holds its task, and so the
    /// task's coroutine, and the values it was woken with, alive.
    private func compactReady() {
        if readyHead == ready.count {
            ready.removeAll(keepingCapacity: ready.count <= Self.keptReadyCapacity)
        } else {
            ready.removeSubrange(0..<readyHead)
        }
        readyHead = 0
    }

    /// The ready queue's storage kept across turns; a burst larger than this gives its memory back.
    static let keptReadyCapacity = 1024

    /// Entries the ready queue holds, run or not (for tests: it must not grow without bound).
    public var readyStorageCount: Int { ready.count }

    private func step(_ task: Task, _ pusher: Pusher) {
        guard task.result == nil else { return }
        if task.id < stoppedBelowID {
            finish(task, .failure(LuaError(.interrupted, "\(task.name) was stopped with the runtime")), reportingUnhandled: false)
            return
        }
        let previous = currentTask
        currentTask = task
        task.state = .running
        defer { currentTask = previous }
        let thread = task.thread.thread
        let count: Int32
        let top = lua_gettop(thread)
        do {
            count = try pusher(thread)
        } catch {
            lua_settop(thread, top)
            let message = (error as? LuaError)?.message ?? "\(error)"
            guard lua_status(thread) == LUA_YIELD else {
                finish(task, .failure(LuaError(.runtime, message)))
                return
            }
            // Woken with what it cannot take: the call that suspended it raises instead.
            rscript_push_raise_marker(thread)
            state.pushString(message, on: thread)
            count = 2
        }
        do {
            switch try task.thread.resume(arguments: count, deadline: task.deadline) {
            case .finished(let results):
                var values: [LuaValue] = []
                values.reserveCapacity(Int(results))
                let top = lua_gettop(thread)
                var failure: LuaError?
                for i in (top - results + 1)..<(top + 1) {
                    do {
                        values.append(try state.value(at: i, on: thread))
                    } catch let error as LuaError {
                        // A result that is not data (a function, a coroutine, a userdata) cannot
                        // cross to another task: say which one, never hand back nil instead.
                        let position = i - (top - results)
                        failure = LuaError(.runtime, "\(task.name) result #\(position): \(error.message)")
                        break
                    }
                }
                lua_settop(thread, 0)
                if let failure { finish(task, .failure(failure)) } else { finish(task, .success(values)) }
            case .yielded(let results):
                lua_settop(thread, lua_gettop(thread) - results)
                task.state = .ready
                ready.append((task, { _ in 0 }))
            case .suspended:
                if task.state == .running { task.state = .suspended }
            }
        } catch let error as LuaError {
            finish(task, .failure(error))
        } catch {
            finish(task, .failure(LuaError(.runtime, "\(error)")))
        }
    }

    private func finish(_ task: Task, _ result: Result<[LuaValue], LuaError>, reportingUnhandled: Bool = true) {
        task.result = result
        if case .failure = result { task.state = .failed } else { task.state = .finished }
        liveTasks[task.id] = nil
        if let timer = task.deadlineTimer {
            cancelTimer(timer)
            task.deadlineTimer = nil
        }
        if let onFinish = task.onFinish {
            onFinish(result)
        } else if reportingUnhandled, case .failure(let error) = result, task.whenDone.isEmpty {
            onUnhandledError?(task, error)
        }
        let waiters = task.whenDone
        task.whenDone = []
        for waiter in waiters { waiter(result) }
    }
}
