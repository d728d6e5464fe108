import LuaBridge

/// The Lua-side handle of a batch (`map`, `imap`): dropping an unfinished `imap` iterator
/// cancels its items still queued.
final class BatchHandle {
    let batch: PoolBatch
    init(batch: PoolBatch) { self.batch = batch }

    deinit {
        if !batch.isComplete { batch.cancelQueued(reason: "its \(batch.operation) iterator was dropped") }
    }
}

extension PoolModule {
    static func registerBatchClass(in runtime: ScriptRuntime) {
        var batch = LuaClass<BatchHandle>("PoolBatch")
        // wait() -> true, results | false, message; suspends until every item is done, or one
        // failed and the others of the batch are cancelled or done.
        batch.method("wait") { [unowned runtime] handle, call in
            let batch = handle.batch
            if batch.isSettled { return try push(batch.outcome(), call) }
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                batch.cancelQueued(reason: "\(batch.operation) was called outside a task")
                return failure(call, "\(batch.operation): can only wait inside a task (from a script or a coroutine of one)")
            }
            batch.whenSettled {
                switch batch.outcome() {
                case .success(let values):
                    runtime.scheduler.resolve(token, with: [.bool(true), .array(values.map(\.luaValue))])
                case .failure(let error):
                    runtime.scheduler.resolve(token, with: [.bool(false), .string(error.description)])
                }
            }
            return call.suspend()
        }
        // next() -> true, value, index | true (the end) | false, message; suspends until the
        // next result is there.
        batch.method("next") { [unowned runtime] handle, call in
            let batch = handle.batch
            if let next = batch.next() { return try call.push(values: values(of: next)) }
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                return failure(call, "\(batch.operation): can only wait inside a task (from a script or a coroutine of one)")
            }
            func waitForNext() {
                batch.whenNextMayBeReady {
                    guard let next = batch.next() else { return waitForNext() }
                    runtime.scheduler.resolve(token, with: values(of: next))
                }
            }
            waitForNext()
            return call.suspend()
        }
        batch.method("cancel") { handle, call in
            handle.batch.cancelQueued(reason: "cancelled")
            return 0
        }
        batch.description { "PoolBatch (\($0.batch.operation), \($0.batch.count) items)" }
        runtime.state.register(batch)
    }

    private static func push(_ outcome: Result<[JSONValue], PoolBatchError>, _ call: LuaCall) throws -> Int32 {
        switch outcome {
        case .success(let values):
            call.push(true)
            try call.push(LuaValue.array(values.map(\.luaValue)))
            return 2
        case .failure(let error):
            return failure(call, error.description)
        }
    }

    /// What `next` gives back: `true, value, index`, `false, message`, or `true` at the end.
    private static func values(of next: PoolBatch.Next) -> [LuaValue] {
        switch next {
        case .value(let value, let index): [.bool(true), value.luaValue, .int(Int64(index + 1))]
        case .failure(let error): [.bool(false), .string(error.description)]
        case .end: [.bool(true)]
        }
    }
}
