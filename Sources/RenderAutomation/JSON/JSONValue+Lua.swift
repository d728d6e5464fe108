import LuaBridge

/// Conversions between `JSONValue` and LuaBridge's `LuaValue`, for the Lua side of the gallery
/// (`self:updateMetadata(tbl)`, options tables).
extension JSONValue {
    /// A Lua value that cannot be stored as JSON.
    public struct ConversionError: Error, CustomStringConvertible, Sendable, Equatable {
        public var message: String
        public var description: String { message }
    }

    /// Converts Lua data to JSON. `.null` and `.nil` become `null`; ints stay ints and floats
    /// floats; `.bytes` that are not UTF-8 are decoded with replacement characters; `.array` and
    /// `.object` map directly; a `.table` is accepted when all its keys are strings (an object).
    /// Throws `ConversionError` for a table with other keys (sparse or mixed arrays) and for
    /// NaN or infinite floats, naming where the bad value sits (`metadata.tiles[3]`).
    public init(_ lua: LuaValue, at path: String = "value") throws {
        switch lua {
        case .nil, .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d):
            guard d.isFinite else { throw ConversionError(message: "\(path) is \(d), which JSON cannot hold") }
            self = .double(d)
        case .string(let s): self = .string(s)
        case .bytes(let b): self = .string(String(decoding: b, as: UTF8.self))
        case .array(let a):
            self = .array(try a.enumerated().map { try JSONValue($0.element, at: "\(path)[\($0.offset + 1)]") })
        case .object(let o):
            var members: [String: JSONValue] = [:]
            for (k, v) in o { members[k] = try JSONValue(v, at: "\(path).\(k)") }
            self = .object(members)
        case .table(let t):
            var members: [String: JSONValue] = [:]
            for (k, v) in t {
                guard case .string(let key) = k else {
                    throw ConversionError(message: "\(path) is a table with a non-string key (\(k.luaTypeName)); JSON needs an array 1..n or string keys")
                }
                members[key] = try JSONValue(v, at: "\(path).\(key)")
            }
            self = .object(members)
        }
    }

    /// The value as Lua data: `null` is the `.null` sentinel (so it can sit in arrays), objects
    /// (even empty ones, which keep the object marker) are `.object`.
    public var luaValue: LuaValue {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.map(\.luaValue))
        case .object(let o): return .object(o.mapValues(\.luaValue))
        }
    }
}
