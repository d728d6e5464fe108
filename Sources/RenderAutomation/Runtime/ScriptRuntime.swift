import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// A Lua state with rscript's modules, its scheduler, and the rules of `rscript run`: the main
/// chunk runs as a task, and the runtime keeps going until nothing is pending.
///
/// Confined to the thread that made it (the CLI's main thread), as its state is.
public final class ScriptRuntime {
    public let state: LuaState
    public let scheduler: LuaScheduler
    public let options: RuntimeOptions
    /// Lua functions registered with `rscript.onStop`, run once on stop (Ctrl-C or error).
    var stopHooks: [LuaFunction] = []
    /// Swift hooks that other subsystems register to be told of a stop.
    var swiftStopHooks: [() -> Void] = []
    /// Failures of tasks nobody waited on, reported as they happen.
    public private(set) var unhandledErrors: [LuaError] = []
    public var errorReporter: (String) -> Void = { message in StandardError.write(message + "\n") }
    public private(set) var interrupted = false
    /// The exit status a script asked for with `rscript.setExitStatus` (used when it succeeds).
    public internal(set) var requestedExitStatus: Int32?
    /// The processes this runtime started.
    public private(set) lazy var processes = ProcessRegistry(runtime: self)
    /// The worker processes this runtime started (pools, jobs).
    public private(set) lazy var workers = WorkerRegistry(runtime: self)
    /// The worker pools of this runtime (`rscript.pool`).
    public private(set) lazy var pools = PoolRegistry(runtime: self)
    /// The renderer classes known by label (plugin files and the running script).
    public let renderers = RendererCatalog()
    /// The background renders of this runtime.
    public private(set) lazy var renders = RenderManager(runtime: self)
    /// The web server of this runtime (`rscript.webserver`).
    private(set) lazy var webServer = WebServerHost(runtime: self)
    /// Database writes queued from this loop and not yet landed (`DatabaseWriter`).
    private(set) lazy var writeCompletions = WriteCompletions()
    /// Work that must finish before a stop completes: each starts its stopping and returns a
    /// closure telling whether it is done (renders waiting for `stopBackgroundRender`, say).
    var asyncStopHooks: [() -> () -> Bool] = []

    public init(options: RuntimeOptions = .fromEnvironment()) throws {
        self.options = options
        // A worker or renderer that dies must not take rscript with it through a broken pipe.
        signal(SIGPIPE, SIG_IGN)
        state = try LuaState(libraries: options.libraries, limits: .none)
        scheduler = LuaScheduler(state: state)
        state.owner = self
        scheduler.onUnhandledError = { [unowned self] task, error in
            self.unhandledErrors.append(error)
            self.errorReporter("rscript: error in \(task.name): \(error)")
        }
        configureSearchPath()
        registerModules()
        state.limits = options.limits
        if options.handlesInterrupt { InterruptSignal.install(runtime: self) }
    }

    /// The runtime that owns `state` (for Swift functions that only get a `LuaCall`).
    public static func of(_ state: LuaState) -> ScriptRuntime? { state.owner as? ScriptRuntime }

    // MARK: Running code

    public enum Outcome: Equatable, Sendable {
        case success
        case failure(LuaError)
        case interrupted

        /// The process exit code: 0, 1 for a script error, 130 after Ctrl-C.
        public var exitCode: Int32 {
            switch self {
            case .success: return 0
            case .failure: return 1
            case .interrupted: return 130
            }
        }
    }

    /// Runs `chunk` as the main task with `arguments` as `...`, then the loop until nothing is
    /// pending. A failure of the main chunk stops the runtime (stop hooks run) and is returned.
    public func runMain(_ chunk: LuaFunction, arguments: [String], name: String = "main chunk") -> Outcome {
        var mainResult: Result<[LuaValue], LuaError>?
        scheduler.spawn(chunk, arguments: arguments.map { .string($0) }, name: name) { result in
            mainResult = result
        }
        scheduler.run(until: { [unowned self] in
            if self.interrupted { return true }
            if case .failure = mainResult { return true }
            return false
        })
        if interrupted || InterruptSignal.received {
            runStopHooks()
            return .interrupted
        }
        if case .failure(let error) = mainResult {
            runStopHooks()
            return error.kind == .interrupted ? .interrupted : .failure(error)
        }
        if mainResult == nil {
            // The loop ran dry while the main chunk still waited: nothing can wake it any more.
            let waiting = scheduler.liveTasks.count
            return .failure(LuaError(.runtime, "the main chunk is waiting for something that can no longer happen (a deadlock; \(waiting) task(s) still suspended)"))
        }
        if let error = unhandledErrors.first { return .failure(error) }
        return .success
    }

    /// Loads a script file, sets the global `arg` as `lua5.4` does, and runs it.
    public func runFile(_ path: String, arguments: [String], interpreter: String = "rscript") -> Outcome {
        let chunk: LuaFunction
        do {
            chunk = try state.loadFile(path)
        } catch let error as LuaError {
            return .failure(error)
        } catch {
            return .failure(LuaError(.file, "\(error)"))
        }
        setArgTable(script: path, arguments: arguments, interpreter: interpreter)
        return runMain(chunk, arguments: arguments)
    }

    /// Runs source text (for `-e` and `run -`).
    public func runSource(_ source: [UInt8], chunkName: String, arguments: [String] = [], interpreter: String = "rscript") -> Outcome {
        let chunk: LuaFunction
        do {
            chunk = try state.load(source, chunkName: chunkName)
        } catch let error as LuaError {
            return .failure(error)
        } catch {
            return .failure(LuaError(.runtime, "\(error)"))
        }
        setArgTable(script: chunkName.hasPrefix("=") ? String(chunkName.dropFirst()) : chunkName, arguments: arguments, interpreter: interpreter)
        return runMain(chunk, arguments: arguments)
    }

    func setArgTable(script: String, arguments: [String], interpreter: String) {
        state.setGlobal("arg", strings: [interpreter, script] + arguments, firstIndex: -1)
    }

    // MARK: Stopping

    /// Whether Ctrl-C arrived (or `noteInterrupt` was called).
    public var interruptReceived: Bool { interrupted || InterruptSignal.received }

    /// Called from the loop when SIGINT arrived: stop the main run.
    func noteInterrupt() {
        interrupted = true
    }

    /// Runs every stop hook once, newest first: Lua ones as tasks (so they may
    /// wait, for a process to exit say) for at most `graceSeconds`, then Swift ones.
    public func runStopHooks(graceSeconds: Double = 10) {
        let hooks = stopHooks
        stopHooks = []
        scheduler.stopTasks()
        state.clearInterrupt()
        interrupted = false
        defer {
            // Swift hooks last: they clean up what the Lua ones left (processes, say).
            let swiftHooks = swiftStopHooks
            swiftStopHooks = []
            for hook in swiftHooks.reversed() { hook() }
        }
        let asyncHooks = asyncStopHooks
        asyncStopHooks = []
        let doneChecks = asyncHooks.map { $0() }
        guard !hooks.isEmpty || !doneChecks.isEmpty else { return }
        var remaining = hooks.count
        for hook in hooks.reversed() {
            scheduler.spawn(hook, name: "stop hook") { [unowned self] result in
                remaining -= 1
                if case .failure(let error) = result { self.errorReporter("rscript: error in stop hook: \(error)") }
            }
        }
        var timedOut = false
        let timer = scheduler.after(graceSeconds) { timedOut = true }
        scheduler.run(until: { (remaining == 0 && doneChecks.allSatisfy { $0() }) || timedOut })
        scheduler.cancelTimer(timer)
        if timedOut { errorReporter("rscript: still stopping after \(SecondsText.exact(graceSeconds)); giving up") }
    }

    /// Registers work that a stop starts and waits for (at most the grace period).
    public func onStopAsync(_ begin: @escaping () -> () -> Bool) { asyncStopHooks.append(begin) }

    /// Registers a Swift action to run when the runtime stops (Ctrl-C, main chunk error).
    public func onStop(_ action: @escaping () -> Void) { swiftStopHooks.append(action) }
}
