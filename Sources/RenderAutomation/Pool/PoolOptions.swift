import CLuaShim
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// What `Pool.new{ workers = N, retries = R, log_dir = DIR }` was given (or `Pool.new(N)`).
struct PoolOptions {
    var workers = PoolOptions.cpuCount
    var retries = 2
    var logDirectory: String?

    struct Invalid: Error {
        var message: String
    }

    /// The number of online processors: the default pool size.
    static var cpuCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    init(_ value: LuaValue) throws {
        var options: [String: LuaValue] = [:]
        switch value {
        case .nil, .array([]): break
        case .int, .double: options["workers"] = value
        case .object(let o): options = o
        default:
            throw Invalid(message: "Pool.new: expected a table of options { workers = N, retries = N, log_dir = PATH }, got \(value.luaTypeName)")
        }
        for key in options.keys.sorted() where !["workers", "retries", "log_dir"].contains(key) {
            throw Invalid(message: "Pool.new: unknown option '\(key)' (expected workers, retries, log_dir)")
        }
        if let value = options["workers"] {
            guard let n = value.intValue, n > 0, n <= 4096 else {
                throw Invalid(message: "Pool.new: workers must be a positive integer, got \(Self.show(value))")
            }
            workers = Int(n)
        }
        if let value = options["retries"] {
            guard let n = value.intValue, n >= 0, n <= 1000 else {
                throw Invalid(message: "Pool.new: retries must be an integer >= 0, got \(Self.show(value))")
            }
            retries = Int(n)
        }
        if let value = options["log_dir"] {
            guard let path = value.stringValue, !path.isEmpty else {
                throw Invalid(message: "Pool.new: log_dir must be a folder path, got \(Self.show(value))")
            }
            if !Environment.isDirectory(path) {
                mkdir(path, 0o755)
                guard Environment.isDirectory(path) else {
                    throw Invalid(message: "Pool.new: cannot create log_dir \(path): \(String(cString: strerror(errno)))")
                }
            }
            logDirectory = path
        }
    }

    static func show(_ value: LuaValue) -> String {
        switch value {
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        default: return "a \(value.luaTypeName)"
        }
    }
}

/// Where a task script named in `pool:map("render.lua", ...)` is: as given (absolute, or
/// relative to the current folder), else beside the file that made the call, else in the
/// running script's folder.
enum TaskScript {
    typealias Invalid = PoolOptions.Invalid

    static func resolve(_ call: LuaCall, position: Int32, callerSource: String?, runtime: ScriptRuntime, operation: String) throws -> String {
        guard call.type(position) == LUA_TSTRING else {
            throw Invalid(message: "bad argument #1 to '\(operation)' (task script path expected, got \(call.typeName(position)))")
        }
        let script = try call.string(position)
        if script.hasPrefix("/") || isReadable(script) {
            guard isReadable(script) else { throw Invalid(message: "\(operation): no task script \(script)") }
            return script
        }
        var places = ["the current folder"]
        var folders: [String] = []
        if let source = callerSource, source.hasPrefix("@") {
            folders.append(Environment.directory(of: String(source.dropFirst())))
        }
        if let dir = runtime.options.scriptDirectory { folders.append(dir) }
        for folder in folders where !folder.isEmpty && folder != "." {
            let candidate = folder.hasSuffix("/") ? folder + script : folder + "/" + script
            if isReadable(candidate) { return candidate }
            places.append(folder)
        }
        throw Invalid(message: "\(operation): no task script '\(script)' (looked in \(places.joined(separator: ", ")))")
    }

    static func isReadable(_ path: String) -> Bool {
        access(path, R_OK) == 0 && !Environment.isDirectory(path)
    }
}

/// The arguments of pool calls, as JSON for the trip to a worker.
enum TaskArguments {
    typealias Invalid = PoolOptions.Invalid

    /// `map`/`imap`: each item is one argument; `starmap`: each item is a list of arguments.
    static func lists(_ call: LuaCall, position: Int32, operation: String) throws -> [[JSONValue]] {
        let items = try array(call, position: position, operation: operation, what: "items")
        let spread = operation == "starmap"
        return try items.enumerated().map { index, item in
            let path = "items[\(index + 1)]"
            if !spread { return [try json(item, at: path, operation: operation)] }
            switch item {
            case .array(let arguments):
                return try arguments.enumerated().map { try json($0.element, at: "\(path)[\($0.offset + 1)]", operation: operation) }
            default:
                throw Invalid(message: "\(operation): \(path) must be a list of arguments {a, b, ...}, got \(item.luaTypeName == "table" ? "a table with other keys" : "a " + item.luaTypeName)")
            }
        }
    }

    /// `apply_async`: the argument list (absent: none).
    static func list(_ call: LuaCall, position: Int32, operation: String) throws -> [JSONValue] {
        if call.isNoneOrNil(position) { return [] }
        return try array(call, position: position, operation: operation, what: "args").enumerated().map {
            try json($0.element, at: "args[\($0.offset + 1)]", operation: operation)
        }
    }

    private static func array(_ call: LuaCall, position: Int32, operation: String, what: String) throws -> [LuaValue] {
        guard call.type(position) == LUA_TTABLE else {
            throw Invalid(message: "bad argument #2 to '\(operation)' (table of \(what) expected, got \(call.typeName(position)))")
        }
        let value: LuaValue
        do {
            value = try call.state.value(at: position, on: call.L)
        } catch let error as LuaError {
            throw Invalid(message: "\(operation): \(what) cannot be sent to a worker: \(error.message)")
        }
        switch value {
        case .array(let a): return a
        case .object(let o) where o.isEmpty: return []
        default:
            throw Invalid(message: "bad argument #2 to '\(operation)' (\(what) must be a list 1..n, got a table with other keys)")
        }
    }

    private static func json(_ value: LuaValue, at path: String, operation: String) throws -> JSONValue {
        do {
            return try JSONValue(value, at: path)
        } catch let error as JSONValue.ConversionError {
            throw Invalid(message: "\(operation): \(error.message); only data (numbers, strings, booleans, tables, null) can be sent to a worker")
        }
    }
}
