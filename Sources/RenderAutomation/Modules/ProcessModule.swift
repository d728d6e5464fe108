import LuaBridge

/// `require("rscript.process")`: start and watch external programs without blocking the runtime.
///
/// `spawn{ cmd, args..., cwd=, env=, log= }` returns a `Process`: `pid`, `logPath`, `poll()`,
/// `wait([timeout])` (suspends the task), `kill([signal])`, `terminate([grace])`,
/// `readLines()`, `tail([n])`, `stats()`; with `channel = true`, `send(line)`, `receive([timeout])`
/// and `closeChannel()` (JSON lines on the child's fds 3 and 4). Each process runs in its own process group; signals go
/// to the whole group. Its stdout and stderr are drained in the background into `logPath`.
enum ProcessModule: RuntimeModule {
    static let name = "rscript.process"

    /// The Lua-side handle (lives on the loop thread).
    final class Handle {
        let process: ManagedProcess
        /// Its message channel (`channel = true`).
        let channel: ProcessChannel?
        init(process: ManagedProcess, channel: ProcessChannel? = nil) {
            self.process = process
            self.channel = channel
        }
    }

    static func open(in runtime: ScriptRuntime) {
        registerClass(in: runtime)
        runtime.state.pushModule("process", functions: [
            ("spawn", { [unowned runtime] call in
                let spec = try SpawnSpec(call)
                let process: ManagedProcess
                let channel: ProcessChannel?
                do {
                    (process, channel) = try runtime.processes.spawnForScript(spec)
                } catch let error as ProcessSupervisor.SpawnError {
                    throw LuaScriptError("process.spawn: \(error.description)")
                }
                call.push(object: Handle(process: process, channel: channel))
                return 1
            }),
            ("signal", { call in
                let name = try call.string(1)
                guard let number = SignalName.number(of: name) else {
                    throw LuaArgumentError(position: 1, "unknown signal '\(name)'")
                }
                call.push(Int64(number))
                return 1
            }),
        ])
    }

    /// What `lines` cost as a Lua array of strings.
    static func cost(of lines: [String]) -> Int {
        LuaMemoryCost.stringArray(count: lines.count, bytes: lines.reduce(0) { $0 + $1.utf8.count })
    }
}
