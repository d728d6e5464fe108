import CLuaShim
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// `require("rscript.process")`: start and watch external programs without blocking the runtime.
///
/// `spawn{ cmd, args..., cwd=, env=, log= }` returns a `Process`: `pid`, `logPath`, `poll()`,
/// `wait([timeout])` (suspends the task), `kill([signal])`, `terminate([grace])`,
/// `readLines()`, `tail([n])`, `stats()`. Each process runs in its own process group; signals go
/// to the whole group. Its stdout and stderr are drained in the background into `logPath`.
enum ProcessModule: RuntimeModule {
    static let name = "rscript.process"

    /// The Lua-side handle (lives on the loop thread).
    final class Handle {
        let process: ManagedProcess
        init(process: ManagedProcess) { self.process = process }
    }

    static func open(in runtime: ScriptRuntime) {
        registerClass(in: runtime)
        runtime.state.pushModule("process", functions: [
            ("spawn", { [unowned runtime] call in
                let spec = try SpawnSpec(call)
                let process: ManagedProcess
                do {
                    process = try runtime.processes.spawn(spec)
                } catch let error as ProcessSupervisor.SpawnError {
                    throw LuaScriptError("process.spawn: \(error.description)")
                }
                call.push(object: Handle(process: process))
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

    private static func registerClass(in runtime: ScriptRuntime) {
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
        runtime.state.register(process)
    }

    static func signalArgument(_ call: LuaCall, position: Int32, default value: Int32) throws -> Int32 {
        if call.isNoneOrNil(position) { return value }
        if call.type(position) == LUA_TNUMBER {
            let n = try call.integer(position)
            guard n > 0 && n < 65 else { throw LuaArgumentError(position: position - 1, "no signal number \(n)") }
            return Int32(n)
        }
        let name = try call.string(position)
        guard let number = SignalName.number(of: name) else {
            throw LuaArgumentError(position: position - 1, "unknown signal '\(name)'")
        }
        return number
    }

    /// What `lines` cost as a Lua array of strings.
    static func cost(of lines: [String]) -> Int {
        LuaMemoryCost.stringArray(count: lines.count, bytes: lines.reduce(0) { $0 + $1.utf8.count })
    }
}

/// What `process.spawn{...}` was given.
struct SpawnSpec {
    var command: [String] = []
    var directory: String?
    var environment: [String: String?] = [:]
    var logPath: String?

    init(command: [String]) {
        self.command = command
    }

    init(_ call: LuaCall) throws {
        guard call.type(1) == LUA_TTABLE else { throw call.typeError(1, expected: "table") }
        let items = try call.value(1)
        var positional: [Int64: LuaValue] = [:]
        var named: [String: LuaValue] = [:]
        switch items {
        case .array(let a): for (i, v) in a.enumerated() { positional[Int64(i + 1)] = v }
        case .object(let o): named = o
        case .table(let t):
            for (k, v) in t {
                if case .int(let i) = k { positional[i] = v } else if case .string(let s) = k { named[s] = v }
            }
        default: break
        }
        for i in 1...max(1, Int64(positional.count)) {
            guard let item = positional[i] else { break }
            switch item {
            case .string(let s): command.append(s)
            case .int(let n): command.append(String(n))
            case .double(let d): command.append(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
            default: throw LuaArgumentError(position: 1, "command item \(i) must be a string, got \(item.luaTypeName)")
            }
        }
        guard !command.isEmpty else { throw LuaArgumentError(position: 1, "the table must start with the command to run") }
        // execve and open take C strings, which a zero would silently cut.
        if let i = command.firstIndex(where: { $0.utf8.contains(0) }) {
            throw LuaArgumentError(position: 1, "command item \(i + 1) contains an embedded zero")
        }
        if let cwd = named["cwd"], !cwd.isNil {
            guard let s = cwd.stringValue else { throw LuaArgumentError(position: 1, "cwd must be a string") }
            if s.utf8.contains(0) { throw LuaArgumentError(position: 1, "cwd contains an embedded zero") }
            directory = s
        }
        if let log = named["log"], !log.isNil {
            guard let s = log.stringValue else { throw LuaArgumentError(position: 1, "log must be a path") }
            if s.utf8.contains(0) { throw LuaArgumentError(position: 1, "log contains an embedded zero") }
            logPath = s
        }
        if let env = named["env"], !env.isNil {
            switch env {
            case .object(let o):
                for (k, v) in o {
                    if k.utf8.contains(0) || (v.stringValue?.utf8.contains(0) ?? false) {
                        throw LuaArgumentError(position: 1, "env.\(k.replacingZeros) contains an embedded zero")
                    }
                    switch v {
                    case .bool(false): environment[k] = .some(nil)
                    case .string(let s): environment[k] = s
                    case .int(let n): environment[k] = String(n)
                    case .double(let d): environment[k] = String(d)
                    default: throw LuaArgumentError(position: 1, "env.\(k) must be a string, number or false")
                    }
                }
            case .array([]): break
            default: throw LuaArgumentError(position: 1, "env must be a table of NAME = value")
            }
        }
        for (k, v) in named where !["cwd", "env", "log"].contains(k) {
            _ = v
            throw LuaArgumentError(position: 1, "unknown option '\(k)' (expected cwd, env, log)")
        }
    }
}

private extension String {
    /// The string with its zeros shown as `\0`, for messages.
    var replacingZeros: String { split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0") }
}
