import LuaBridge

/// `require("rscript.task")`: run functions concurrently as tasks of the runtime.
/// `spawn(fn, ...)` returns a handle: `handle:wait()` suspends until the task ends and returns
/// `true, results...` or `false, message` as `pcall` does; `handle:status()`; `handle.id`.
/// A task that fails with nobody waiting for it is reported, and `rscript run` then exits 1.
enum TaskModule: RuntimeModule {
    static let name = "rscript.task"

    final class Handle {
        let task: LuaScheduler.Task
        init(task: LuaScheduler.Task) { self.task = task }
    }

    static func open(in runtime: ScriptRuntime) {
        let state = runtime.state
        var handle = LuaClass<Handle>("Task")
        handle.property("id") { handle, call in
            call.push(handle.task.id)
            return 1
        }
        handle.method("status") { handle, call in
            call.push(String(describing: handle.task.state))
            return 1
        }
        handle.method("wait") { [unowned runtime] handle, call in
            if let result = handle.task.result { return try deliver(result, call) }
            guard let waiter = runtime.scheduler.currentTask, call.canSuspend else {
                throw LuaScriptError("Task:wait: can only wait from inside a task")
            }
            if waiter === handle.task { throw LuaScriptError("Task:wait: a task cannot wait for itself") }
            handle.task.whenDone { result in
                switch result {
                case .success(let values):
                    runtime.scheduler.wake(waiter, with: [.bool(true)] + values)
                case .failure(let error):
                    runtime.scheduler.wake(waiter, with: [.bool(false), .string(error.message)])
                }
            }
            return call.suspend()
        }
        handle.description { "Task \($0.task.id) (\($0.task.name)): \($0.task.state)" }
        state.register(handle)

        state.pushModule("task", functions: [
            ("spawn", { [unowned runtime] call in
                let function = try call.function(1)
                var arguments: [LuaValue] = []
                if call.argumentCount > 1 {
                    for i in 2...call.argumentCount { arguments.append(try call.value(i)) }
                }
                let task = runtime.scheduler.spawn(function, arguments: arguments, name: "task")
                call.push(object: Handle(task: task))
                return 1
            }),
        ])
    }

    private static func deliver(_ result: Result<[LuaValue], LuaError>, _ call: LuaCall) throws -> Int32 {
        switch result {
        case .success(let values):
            try call.reserve(values.count + 1)
            call.push(true)
            return try call.push(values: values) + 1
        case .failure(let error):
            call.push(false)
            call.push(error.message)
            return 2
        }
    }
}
