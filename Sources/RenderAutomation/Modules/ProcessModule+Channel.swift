import LuaBridge

/// `Process:send`, `Process:receive` and `Process:closeChannel`: the message channel of a process
/// spawned with `channel = true`. The child reads lines on fd 3 and writes lines on fd 4, the
/// framing of rscript's worker channel; its stdout and stderr still go to the log.
extension ProcessModule {
    static func addChannelMethods(to process: inout LuaClass<Handle>, runtime: ScriptRuntime) {
        process.method("send") { handle, call in
            let line = try call.string(2)
            guard handle.channel != nil else {
                throw LuaScriptError("Process:send: the process has no channel (spawn it with channel = true)")
            }
            if line.utf8.contains(UInt8(ascii: "\n")) {
                throw LuaArgumentError(position: 2, "a message is one line: it must not contain a newline")
            }
            call.push(handle.process.send(line))
            return 1
        }
        process.method("receive") { [unowned runtime] handle, call in
            let timeout = try call.optionalSeconds(2)
            guard let channel = handle.channel else {
                throw LuaScriptError("Process:receive: the process has no channel (spawn it with channel = true)")
            }
            if let line = channel.pop() {
                try call.state.chargeMemory(LuaMemoryCost.stringArray(count: 1, bytes: line.utf8.count))
                try call.push(LuaValue.string(line))
                return 1
            }
            if channel.ended || timeout == 0 {
                call.pushNil()
                return 1
            }
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                throw LuaScriptError("Process:receive: can only wait inside a task (from a script, a render or a coroutine of one)")
            }
            channel.wait(token: token, timeout: timeout)
            return call.suspend()
        }
        process.method("closeChannel") { handle, call in
            handle.process.closeChannel()
            return 0
        }
    }
}
