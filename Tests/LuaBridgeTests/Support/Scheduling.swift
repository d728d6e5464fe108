import LuaBridge
import XCTest

/// Helpers for tests that run tasks on a `LuaScheduler`.
extension XCTestCase {
    /// `sleep(seconds, ...)`: suspends the task; after `seconds`, wakes it with the extra arguments,
    /// which become `sleep`'s results.
    func registerSleep(_ state: LuaState, _ scheduler: LuaScheduler) {
        state.register("sleep") { call in
            guard let task = scheduler.currentTask else { throw LuaScriptError("sleep: not in a task") }
            let seconds = try call.number(1)
            var values: [LuaValue] = []
            if call.argumentCount > 1 {
                for i in 2...call.argumentCount { values.append(try call.value(i)) }
            }
            scheduler.after(seconds) { scheduler.wake(task, with: values) }
            return call.suspend()
        }
    }

    /// Starts `source` (chunk name `task`) as a task.
    func spawn(_ scheduler: LuaScheduler, _ source: String, arguments: [LuaValue] = []) throws -> LuaScheduler.Task {
        let body = try scheduler.state.load(source, chunkName: "=task")
        return scheduler.spawn(body, arguments: arguments)
    }
}
