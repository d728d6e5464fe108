import LuaBridge

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
        guard call.luaType(position) == .table else {
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
