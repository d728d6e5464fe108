/// A Lua value as plain Swift data: what crosses the bridge by copy.
///
/// Integers and floats stay distinct, as in Lua 5.4. Strings are bytes in Lua: a string that is
/// valid UTF-8 arrives as `.string`, any other as `.bytes`; both keep embedded zeros.
///
/// Tables arrive by this rule:
/// - keys exactly `1...n` (n > 0): `.array`;
/// - all keys strings: `.object`;
/// - empty: `.array([])`, unless the table carries the object marker the embedder installed
///   (`LuaState.installDataMarkers`), then `.object([:])`;
/// - anything else: `.table`, keys and values both `LuaValue`.
///
/// `.null` is the null value the embedder installed (rscript's `null`): it is a value, unlike
/// `.nil`, so it can sit in an array or a table. Functions, userdata and threads are not data;
/// reach them through `LuaFunction`, `LuaTable`, `LuaThread` and `LuaUserdataRef`.
///
/// Why a domain keeps a value type of its own beside this one: this is what Lua can hold —
/// `nil` apart from `null`, strings that are not UTF-8 (`.bytes`), tables with any keys
/// (`.table`) — which is right for crossing the bridge and wrong for storing. rscript's stored
/// form (`JSONValue`) can hold none of these and converts from this one once, with the checks,
/// at the boundary; LuaBridge cannot depend on the domain.
public enum LuaValue: Sendable, Hashable {
    case `nil`
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case array([LuaValue])
    case object([String: LuaValue])
    case table([LuaValue: LuaValue])

    public var isNil: Bool { if case .nil = self { return true } else { return false } }

    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d): return Int64(exactly: d)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    /// Lua truthiness: everything but nil and false is true (null included).
    public var isTruthy: Bool {
        switch self {
        case .nil, .bool(false): return false
        default: return true
        }
    }

    /// Field lookup on `.object` and `.table`; index lookup (1-based) on `.array`.
    public subscript(key: String) -> LuaValue {
        switch self {
        case .object(let o): return o[key] ?? .nil
        case .table(let t): return t[.string(key)] ?? .nil
        default: return .nil
        }
    }

    public subscript(index: Int) -> LuaValue {
        switch self {
        case .array(let a): return index >= 1 && index <= a.count ? a[index - 1] : .nil
        case .table(let t): return t[.int(Int64(index))] ?? .nil
        default: return .nil
        }
    }

    /// The Lua type name this value has once pushed.
    public var luaTypeName: String {
        switch self {
        case .nil: return "nil"
        case .null: return "userdata"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string, .bytes: return "string"
        case .array, .object, .table: return "table"
        }
    }
}

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: LuaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, LuaValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
