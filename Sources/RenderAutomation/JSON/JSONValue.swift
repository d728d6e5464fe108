/// A JSON value, as the gallery stores render options and metadata.
///
/// Integers and floats stay distinct (`.int(2)` is written `2`, `.double(2)` is written `2.0`),
/// as Lua 5.4's numbers are, so a value survives a round trip through the database and through
/// Lua unchanged. Objects are unordered; the text form sorts their keys.
///
/// Text form: `init(jsonText:)` and `jsonText` (see `JSONValue+Text.swift`, over the one JSON
/// reader and writer core). Lua form: `init(_: LuaValue)` and `luaValue` (see
/// `JSONValue+Lua.swift`).
///
/// Why not LuaBridge's `LuaValue`: that one is what Lua can hold (`nil` apart from `null`,
/// strings that are not UTF-8, tables with any keys), and it is right for crossing the bridge.
/// What the domain stores and sends (the gallery's records, jobs, pool channel messages) must
/// be JSON and nothing more, and `Codable`; this type cannot hold anything JSON cannot, so the
/// checks happen once, in `init(_: LuaValue)`, with the place of a bad value.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The object's members, or nil for any other value.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o } else { return nil }
    }

    /// The number as a Double (ints convert), or nil for any other value.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The string, or nil for any other value.
    public var stringValue: String? {
        if case .string(let s) = self { return s } else { return nil }
    }

    /// Member lookup on an object (nil for a missing key or another kind of value).
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] } else { return nil }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value. With Foundation's `JSONDecoder`, a number written with a fraction
    /// or an exponent may still come back as `.int` when it is integral; use `init(jsonText:)`
    /// to keep the distinction exactly.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .int(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}
