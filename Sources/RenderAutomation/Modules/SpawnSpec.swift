import LuaBridge

/// What `process.spawn{...}` was given.
struct SpawnSpec {
    var command: [String] = []
    var directory: String?
    var environment: [String: String?] = [:]
    var logPath: String?
    /// `channel = true`: a JSON-lines message channel on fds 3 (to the child) and 4 (from it).
    var channel = false
    /// `keepAlive = false`: the running process does not keep the script running (a persistent
    /// server the script may leave idle); a task waiting on it still does.
    var keepAlive = true

    init(command: [String]) {
        self.command = command
    }

    init(_ call: LuaCall) throws {
        guard call.luaType(1) == .table else { throw call.typeError(1, expected: "table") }
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
        for key in ["channel", "keepAlive"] {
            guard let value = named[key], !value.isNil else { continue }
            guard case .bool(let flag) = value else { throw LuaArgumentError(position: 1, "\(key) must be a boolean") }
            if key == "channel" { channel = flag } else { keepAlive = flag }
        }
        for (k, v) in named where !["cwd", "env", "log", "channel", "keepAlive"].contains(k) {
            _ = v
            throw LuaArgumentError(position: 1, "unknown option '\(k)' (expected cwd, env, log, channel, keepAlive)")
        }
    }
}

private extension String {
    /// The string with its zeros shown as `\0`, for messages.
    var replacingZeros: String { split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0") }
}
