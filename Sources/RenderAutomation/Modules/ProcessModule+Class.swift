import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// The `Process` class `process.spawn` returns: its properties and methods.
extension ProcessModule {
    static func registerClass(in runtime: ScriptRuntime) {
        var process = LuaClass<Handle>("Process")
        process.property("pid") { handle, call in
            call.push(Int64(handle.process.pid))
            return 1
        }
        process.property("logPath") { handle, call in
            call.push(handle.process.logPath)
            return 1
        }
        process.method("poll") { handle, call in
            if let exit = handle.process.exitStatus { call.push(Int64(exit.code)) } else { call.pushNil() }
            return 1
        }
        process.method("wait") { [unowned runtime] handle, call in
            let timeout = try call.optionalSeconds(2)
            if let exit = handle.process.exitStatus {
                call.push(Int64(exit.code))
                return 1
            }
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                throw LuaScriptError("Process:wait: can only wait inside a task (from a script, a render or a coroutine of one)")
            }
            runtime.processes.whenExited(handle.process, token: token, timeout: timeout)
            return call.suspend()
        }
        process.method("kill") { handle, call in
            let signal = try signalArgument(call, position: 2, default: SIGKILL)
            call.push(handle.process.signalGroup(signal))
            return 1
        }
        process.method("terminate") { [unowned runtime] handle, call in
            let grace = try call.optionalSeconds(2) ?? 5
            if let exit = handle.process.exitStatus {
                handle.process.signalGroup(SIGKILL)  // stragglers of the group
                call.push(Int64(exit.code))
                return 1
            }
            handle.process.signalGroup(SIGTERM)
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                // Not in a task: escalate without waiting.
                handle.process.signalGroup(SIGKILL)
                call.pushNil()
                return 1
            }
            runtime.processes.terminate(handle.process, token: token, grace: grace)
            return call.suspend()
        }
        // The lines become Lua strings: they count against the memory limit. Unread lines that
        // are refused stay unread.
        process.method("readLines") { handle, call in
            let lines = handle.process.takeLines()
            do {
                try call.state.chargeMemory(ProcessModule.cost(of: lines))
            } catch {
                handle.process.putBack(lines)
                throw error
            }
            try call.push(LuaValue.array(lines.map { .string($0) }))
            return 1
        }
        process.method("tail") { handle, call in
            let n = try call.optionalInteger(2) ?? 20
            let lines = handle.process.tail(Int(max(0, n)))
            try call.state.chargeMemory(ProcessModule.cost(of: lines))
            try call.push(LuaValue.array(lines.map { .string($0) }))
            return 1
        }
        process.method("stats") { handle, call in
            let stats = handle.process.stats()
            try call.push(LuaValue.object([
                "cpu": .double(stats.cpuSeconds),
                "rss": .int(Int64(stats.rss)),
                "peakRss": .int(Int64(stats.peakRss)),
                "running": .bool(handle.process.exitStatus == nil),
                "elapsed": .double((handle.process.exitedAt ?? MonotonicClock.now()) - handle.process.startedAt),
                "exitedAt": handle.process.exitedAt.map { .double($0) } ?? .nil,
            ]))
            return 1
        }
        process.description { handle in
            let state = handle.process.exitStatus.map { "\($0)" } ?? "running"
            return "Process \(handle.process.pid) (\(handle.process.command.first ?? "")): \(state)"
        }
        addChannelMethods(to: &process, runtime: runtime)
        runtime.state.register(process)
    }
}
