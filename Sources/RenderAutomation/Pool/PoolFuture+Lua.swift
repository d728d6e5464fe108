import LuaBridge

/// The Lua-side handle of an `apply_async` future.
final class FutureHandle {
    let future: PoolFuture
    init(future: PoolFuture) { self.future = future }
}

extension PoolModule {
    static func registerFutureClass(in runtime: ScriptRuntime) {
        var future = LuaClass<FutureHandle>("PoolFutureCore")
        // get([timeout]) -> true, value | false, message; suspends until the task ended (or the
        // timeout passed: false, message, "timeout").
        future.method("get") { [unowned runtime] handle, call in
            let future = handle.future
            guard let timeout = timeoutArgument(call, operation: "get") else {
                return failure(call, "bad argument #1 to 'get' (a number of seconds >= 0 expected, got \(call.typeName(2)))")
            }
            if let result = future.result { return try push(result, call) }
            if timeout == 0 { return timedOut(call, timeout) }
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                return failure(call, "get: can only wait inside a task (from a script or a coroutine of one)")
            }
            var timer: Int?
            if let timeout = timeout {
                timer = runtime.scheduler.after(timeout) {
                    runtime.scheduler.resolve(token, with: [.bool(false), .string("get: timed out after \(SecondsText.exact(timeout))"), .string("timeout")])
                }
            }
            future.whenReady(token: token) {
                if let timer { runtime.scheduler.cancelTimer(timer) }
                switch future.result {
                case .success(let value)?:
                    runtime.scheduler.resolve(token, with: [.bool(true), value.luaValue])
                case .failure(let failure)?:
                    runtime.scheduler.resolve(token, with: [.bool(false), .string("task failed: \(failure)")])
                case nil:
                    runtime.scheduler.resolve(token, with: [.bool(false), .string("get: no result")])
                }
            }
            return call.suspend()
        }
        // wait([timeout]) -> true, ready | false, message; suspends until ready or the timeout.
        future.method("wait") { [unowned runtime] handle, call in
            let future = handle.future
            guard let timeout = timeoutArgument(call, operation: "wait") else {
                return failure(call, "bad argument #1 to 'wait' (a number of seconds >= 0 expected, got \(call.typeName(2)))")
            }
            if future.isReady || timeout == 0 {
                call.push(true)
                call.push(future.isReady)
                return 2
            }
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                return failure(call, "wait: can only wait inside a task (from a script or a coroutine of one)")
            }
            var timer: Int?
            if let timeout = timeout {
                timer = runtime.scheduler.after(timeout) { runtime.scheduler.resolve(token, with: [.bool(true), .bool(false)]) }
            }
            future.whenReady(token: token) {
                if let timer { runtime.scheduler.cancelTimer(timer) }
                runtime.scheduler.resolve(token, with: [.bool(true), .bool(true)])
            }
            return call.suspend()
        }
        future.method("ready") { handle, call in
            call.push(handle.future.isReady)
            return 1
        }
        // successful() -> true, ok | false, message (not ready yet)
        future.method("successful") { handle, call in
            guard let result = handle.future.result else {
                return failure(call, "successful: the task has not finished (check ready() first)")
            }
            call.push(true)
            if case .success = result { call.push(true) } else { call.push(false) }
            return 2
        }
        future.method("status") { handle, call in
            call.push(handle.future.status)
            return 1
        }
        future.method("progress") { handle, call in
            call.push(handle.future.item.fraction)
            if let message = handle.future.item.message { call.push(message) } else { call.pushNil() }
            return 2
        }
        future.method("info") { handle, call in
            try call.push(handle.future.info)
            return 1
        }
        future.method("cancel") { handle, call in
            call.push(handle.future.pool.cancel(handle.future.item, reason: "cancelled by future:cancel()"))
            return 1
        }
        future.description { "PoolFuture (\($0.future.status))" }
        runtime.state.register(future)
    }

    /// The optional timeout at argument 2: `.some(nil)` when absent, nil when invalid.
    private static func timeoutArgument(_ call: LuaCall, operation: String) -> Double?? {
        if call.isNoneOrNil(2) { return .some(nil) }
        guard call.luaType(2) == .number, let seconds = try? call.number(2), seconds >= 0, seconds.isFinite else { return nil }
        return .some(seconds)
    }

    private static func timedOut(_ call: LuaCall, _ timeout: Double?) -> Int32 {
        call.push(false)
        call.push("get: timed out after \(SecondsText.exact(timeout ?? 0))")
        call.push("timeout")
        return 3
    }

    private static func push(_ result: Result<JSONValue, PoolFailure>, _ call: LuaCall) throws -> Int32 {
        switch result {
        case .success(let value):
            call.push(true)
            try call.push(value.luaValue)
            return 2
        case .failure(let failure):
            return PoolModule.failure(call, "task failed: \(failure)")
        }
    }
}
