import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// `require("rscript.pool")`: a pool of worker processes, each with its own Lua state, running
/// task scripts (`return function(client, ...) ... end`), as Python's `multiprocessing.Pool`
/// does with functions: `Pool.new{ workers, retries, log_dir }`, `pool:map`, `imap`,
/// `imap_unordered`, `starmap`, `apply`, `apply_async` (a future: `get`, `wait`, `ready`,
/// `successful`, `progress`, `info`, `cancel`), `close`, `join`, `terminate`, and
/// `Pool.wait_any(futures, timeout)`. See docs/modules/pool.md.
///
/// The Lua face is a small Lua layer (scripts/lib/rscript/internal/pool_api.lua) over the Swift core below, so that
/// errors raised after a wait (a task's error coming out of `map`) point at the caller's line.
/// The core's functions therefore never raise for a user's mistake: they return `true, ...` or
/// `false, message`, and the Lua layer raises at the right level.
enum PoolModule: RuntimeModule {
    static let name = "rscript.pool"

    /// The Lua-side handle of a pool.
    final class PoolHandle {
        let pool: WorkerPool
        init(pool: WorkerPool) { self.pool = pool }
    }

    static func open(in runtime: ScriptRuntime) {
        let state = runtime.state
        registerPoolClass(in: runtime)
        registerBatchClass(in: runtime)
        registerFutureClass(in: runtime)
        let chunk: LuaFunction
        do {
            chunk = try runtime.loadInternalChunk("pool_api", chunkName: "=[rscript.pool]")
        } catch {
            // Without its Lua face the module cannot work: each function says why.
            let reason = "rscript.pool: \(error)"
            state.pushModule("pool", functions: ["new", "wait_any", "cpu_count"].map { name in
                (name, { _ in throw LuaScriptError(reason) })
            })
            return
        }
        chunk.push()
        state.pushModule("pool", functions: [
            ("new", { [unowned runtime] call in
                let options: PoolOptions
                do {
                    options = try PoolOptions(call.value(1))
                } catch let error as PoolOptions.Invalid {
                    return failure(call, error.message)
                } catch {
                    return failure(call, "Pool.new: \(error)")
                }
                let pool = runtime.pools.makePool(size: options.workers, retries: options.retries, logDirectory: options.logDirectory)
                call.push(true)
                call.push(object: PoolHandle(pool: pool))
                call.push(options.workers)
                call.push(options.retries)
                return 4
            }),
            ("wait_any", { [unowned runtime] call in try waitAny(call, runtime) }),
            ("cpu_count", { call in
                call.push(PoolOptions.cpuCount)
                return 1
            }),
            ("terminal", { call in
                // For rscript.poolprogress: whether stdout is a terminal, and its width.
                call.push(isatty(1) != 0)
                var size = winsize()
                call.push(ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80)
                return 2
            }),
        ])
        try! state.protectedCall(arguments: 1, results: 1)
    }

    /// `return false, message`: how the core reports a user's mistake to the Lua layer.
    static func failure(_ call: LuaCall, _ message: String) -> Int32 {
        call.push(false)
        call.push(message)
        return 2
    }

    private static func registerPoolClass(in runtime: ScriptRuntime) {
        var pool = LuaClass<PoolHandle>("PoolCore")
        // batch(script, items, operation, callerSource) -> true, batch | false, message
        pool.method("batch") { [unowned runtime] handle, call in
            let operation = try call.string(4)
            guard handle.pool.state == .open else { return failure(call, "\(operation): the pool is \(handle.pool.state)") }
            let script: String
            let argumentLists: [[JSONValue]]
            do {
                script = try TaskScript.resolve(call, position: 2, callerSource: try call.optionalString(5), runtime: runtime, operation: operation)
                argumentLists = try TaskArguments.lists(call, position: 3, operation: operation)
            } catch let error as TaskScript.Invalid {
                return failure(call, error.message)
            }
            let batch = PoolBatch(
                pool: handle.pool, script: script, argumentLists: argumentLists, operation: operation,
                order: operation == "imap_unordered" ? .unordered : .ordered,
                failsFast: operation == "map" || operation == "starmap")
            batch.start()
            call.push(true)
            call.push(object: BatchHandle(batch: batch))
            return 2
        }
        // apply(script, args, callerSource) -> true, future | false, message
        pool.method("apply") { [unowned runtime] handle, call in
            guard handle.pool.state == .open else { return failure(call, "apply_async: the pool is \(handle.pool.state)") }
            let script: String
            let arguments: [JSONValue]
            do {
                script = try TaskScript.resolve(call, position: 2, callerSource: try call.optionalString(4), runtime: runtime, operation: "apply_async")
                arguments = try TaskArguments.list(call, position: 3, operation: "apply_async")
            } catch let error as TaskScript.Invalid {
                return failure(call, error.message)
            }
            let future = PoolFuture(pool: handle.pool, script: script, arguments: arguments)
            future.start()
            call.push(true)
            call.push(object: FutureHandle(future: future))
            return 2
        }
        pool.method("close") { handle, call in
            handle.pool.close()
            return 0
        }
        pool.method("terminate") { handle, call in
            handle.pool.terminate()
            return 0
        }
        // join() -> true | false, message; suspends until the workers have exited
        pool.method("join") { [unowned runtime] handle, call in
            guard handle.pool.state != .open else {
                return failure(call, "join: close() or terminate() the pool first (it is still open)")
            }
            if handle.pool.isJoined {
                call.push(true)
                return 1
            }
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                return failure(call, "join: can only wait inside a task")
            }
            handle.pool.whenJoined { runtime.scheduler.resolve(token, with: [.bool(true)]) }
            return call.suspend()
        }
        pool.method("stats") { handle, call in
            let pool = handle.pool
            try call.push(LuaValue.object([
                "workers": .int(Int64(pool.size)),
                "retries": .int(Int64(pool.retries)),
                "state": .string(pool.state.rawValue),
                "pending": .int(Int64(pool.pendingCount)),
                "live": .int(Int64(pool.live.count)),
                "started": .int(Int64(pool.workersStarted)),
            ]))
            return 1
        }
        pool.description { "Pool \($0.pool.number) (\($0.pool.size) workers, \($0.pool.state))" }
        runtime.state.register(pool)
    }

    /// `Pool.wait_any(futures, timeout)`: suspends until one of the futures is ready (its index)
    /// or `timeout` seconds passed (nil). Returns `true, index|nil` or `false, message`.
    private static func waitAny(_ call: LuaCall, _ runtime: ScriptRuntime) throws -> Int32 {
        guard call.luaType(1) == .table else {
            return failure(call, "bad argument #1 to 'wait_any' (table of futures expected, got \(call.typeName(1)))")
        }
        var futures: [PoolFuture] = []
        let count = call.rawLength(1)
        if count > 0 {
            for i in 1...count {
                guard let handle = try call.withRawItem(i, ofTableAt: 1, { try? call.object(-1, as: FutureHandle.self) }) else {
                    return failure(call, "bad argument #1 to 'wait_any' (item \(i) is not a future)")
                }
                futures.append(handle.future)
            }
        }
        let timeout = call.isNoneOrNil(2) ? nil : try? call.number(2)
        if !call.isNoneOrNil(2) && !(timeout.map { $0 >= 0 } ?? false) {
            return failure(call, "bad argument #2 to 'wait_any' (a number of seconds >= 0 expected)")
        }
        if let ready = futures.firstIndex(where: \.isReady) {
            call.push(true)
            call.push(ready + 1)
            return 2
        }
        if futures.isEmpty || timeout == 0 {
            call.push(true)
            return 1
        }
        guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
            return failure(call, "wait_any: can only wait inside a task")
        }
        var timer: Int?
        if let timeout {
            timer = runtime.scheduler.after(timeout) { runtime.scheduler.resolve(token, with: [.bool(true)]) }
        }
        for (index, future) in futures.enumerated() {
            future.whenReady(token: token) {
                if let timer { runtime.scheduler.cancelTimer(timer) }
                runtime.scheduler.resolve(token, with: [.bool(true), .int(Int64(index + 1))])
            }
        }
        return call.suspend()
    }
}
