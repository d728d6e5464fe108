import CLuaShim
import LuaBridge

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `json.encode` lays out its output.
struct JSONWriteOptions {
    /// Spaces per level; 0 writes everything on one line.
    var indent = 0
    /// Writes object keys in byte order instead of the table's order.
    var sortKeys = false
}

/// Writes the Lua value at a stack index as JSON text, walking tables in place with raw access:
/// it never runs Lua code (no metamethods but the `__jsontype` field read raw) and never raises a
/// Lua error. Failures throw a `LuaScriptError` that names the path of the value at fault.
///
/// Tables: the object marker (or `__jsontype = "object"`) makes an object; the array marker (or
/// `__jsontype = "array"`) an array; otherwise a table with keys `1...n` is an array, one with
/// only string keys an object, an empty one `[]`. Anything else is an error.
struct JSONWriter {
    /// Deepest nesting of tables written.
    static let maxDepth = 1000

    let L: OpaquePointer
    let out: ByteBuffer
    let options: JSONWriteOptions
    /// The identity of the null sentinel.
    let nullPointer: UnsafeRawPointer?
    /// Stack slots of the object and array marker metatables.
    let objectMarkerSlot: Int32
    let arrayMarkerSlot: Int32

    /// How the value being written was reached: one entry per level, for error messages.
    private var path: [PathStep] = []
    /// The tables being written, outermost first, to tell a cycle from deep nesting.
    private var ancestors: [UnsafeRawPointer] = []

    private enum PathStep {
        case index(Int64)
        /// A string key, as bytes of a Lua string that stays alive while it is written.
        case key(UnsafePointer<UInt8>, Int)
    }

    private enum Shape { case array, object, infer }

    init(L: OpaquePointer, out: ByteBuffer, options: JSONWriteOptions, nullPointer: UnsafeRawPointer?,
         objectMarkerSlot: Int32, arrayMarkerSlot: Int32) {
        self.L = L
        self.out = out
        self.options = options
        self.nullPointer = nullPointer
        self.objectMarkerSlot = objectMarkerSlot
        self.arrayMarkerSlot = arrayMarkerSlot
    }

    /// Appends the value at absolute stack index `index`.
    mutating func write(at index: Int32) throws {
        try writeValue(at: index, depth: 0)
    }

    // MARK: Values

    private mutating func writeValue(at index: Int32, depth: Int) throws {
        switch lua_type(L, index) {
        case LUA_TSTRING:
            var length = 0
            let chars = lua_tolstring(L, index, &length)!
            try chars.withMemoryRebound(to: UInt8.self, capacity: length) { try writeString($0, length) }
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 {
                out.appendInteger(lua_tointegerx(L, index, nil))
            } else {
                try writeDouble(lua_tonumberx(L, index, nil))
            }
        case LUA_TBOOLEAN:
            out.append(lua_toboolean(L, index) != 0 ? "true" : "false")
        case LUA_TTABLE:
            try writeTable(at: index, depth: depth + 1)
        case LUA_TUSERDATA where lua_topointer(L, index) == nullPointer:
            out.append("null")
        case LUA_TNIL, LUA_TNONE:
            throw failure("cannot encode nil (use json.null for null)")
        default:
            let name = String(cString: luaL_typename(L, index))
            throw failure("cannot encode a \(name) value")
        }
    }

    private mutating func writeDouble(_ value: Double) throws {
        guard value.isFinite else {
            throw failure("cannot encode \(value.isNaN ? "NaN" : value < 0 ? "-inf" : "inf")")
        }
        // Swift's description is the shortest text that reads back as the same double.
        let text = value.description
        out.append(text)
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") }) {
            out.append(".0")  // keep floats floats: 3.0 is "3.0", not "3"
        }
    }

    private mutating func writeString(_ s: UnsafePointer<UInt8>, _ length: Int) throws {
        out.reserve(length + 2)
        out.appendUnchecked(UInt8(ascii: "\""))
        var runStart = 0
        var k = 0
        while k < length {
            let c = s[k]
            if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                if c < 0x80 {
                    k += 1
                } else {
                    let n = UTF8Check.sequenceLength(s + k, available: length - k)
                    if n == 0 { throw failure("invalid UTF-8 in string (byte \(k + 1))") }
                    k += n
                }
                continue
            }
            out.append(s + runStart, count: k - runStart)
            switch c {
            case UInt8(ascii: "\""): out.append("\\\"")
            case UInt8(ascii: "\\"): out.append("\\\\")
            case 0x0A: out.append("\\n")
            case 0x0D: out.append("\\r")
            case 0x09: out.append("\\t")
            case 0x08: out.append("\\b")
            case 0x0C: out.append("\\f")
            default:
                let hex = Self.hexDigits
                out.append("\\u00")
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 0xF)])
            }
            k += 1
            runStart = k
        }
        out.append(s + runStart, count: length - runStart)
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    // MARK: Tables

    private mutating func writeTable(at index: Int32, depth: Int) throws {
        let identity = lua_topointer(L, index)!
        ancestors.append(identity)
        defer { ancestors.removeLast() }
        if depth > Self.maxDepth { throw nestingFailure() }
        if lua_checkstack(L, 6) == 0 { throw failure("table nested too deeply") }

        let length = lua_Integer(lua_rawlen(L, index))
        switch shape(of: index) {
        case .object:
            try writeObject(at: index, depth: depth)
        case .array:
            try writeArray(at: index, length: length, depth: depth, marked: true)
        case .infer:
            if length > 0 {
                try writeArray(at: index, length: length, depth: depth, marked: false)
                return
            }
            lua_pushnil(L)
            guard lua_next(L, index) != 0 else {
                out.append("[]")
                return
            }
            let keyType = lua_type(L, -2)
            lua_settop(L, -3)
            if keyType == LUA_TSTRING {
                try writeObject(at: index, depth: depth)
            } else {
                try checkArrayKeys(at: index, length: 0, marked: false)  // throws: names the first bad key
            }
        }
    }

    /// What the metatable asks for: the markers, or a raw `__jsontype` field.
    private func shape(of index: Int32) -> Shape {
        guard lua_getmetatable(L, index) != 0 else { return .infer }
        defer { lua_settop(L, -2) }
        if lua_rawequal(L, -1, objectMarkerSlot) != 0 { return .object }
        if lua_rawequal(L, -1, arrayMarkerSlot) != 0 { return .array }
        lua_pushstring(L, "__jsontype")
        lua_rawget(L, -2)
        defer { lua_settop(L, -2) }
        guard lua_type(L, -1) == LUA_TSTRING else { return .infer }
        var length = 0
        let p = lua_tolstring(L, -1, &length)!
        switch String(cString: p) {
        case "object": return .object
        case "array": return .array
        default: return .infer
        }
    }

    private mutating func writeArray(at index: Int32, length: lua_Integer, depth: Int, marked: Bool) throws {
        out.append(UInt8(ascii: "["))
        if length > 0 {
            path.append(.index(1))
            for k in 1...length {
                if lua_rawgeti(L, index, k) == LUA_TNIL {
                    path.removeLast()
                    throw failure("sparse array (no item at index \(k) of \(length))")
                }
                path[path.count - 1] = .index(k)
                if k > 1 { out.append(UInt8(ascii: ",")) }
                newline(depth)
                try writeValue(at: lua_gettop(L), depth: depth)
                lua_settop(L, -2)
            }
            path.removeLast()
        }
        try checkArrayKeys(at: index, length: length, marked: marked)
        if length > 0 { newline(depth - 1) }
        out.append(UInt8(ascii: "]"))
    }

    /// Throws unless the table's keys are exactly `1...length`, naming a key that does not belong.
    private mutating func checkArrayKeys(at index: Int32, length: lua_Integer, marked: Bool) throws {
        var keys: lua_Integer = 0
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            keys += 1
            lua_settop(L, -2)
            if keys > length {
                lua_settop(L, -2)
                break
            }
        }
        if keys == length { return }
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            lua_settop(L, -2)
            let type = lua_type(L, -1)
            var isInteger: Int32 = 0
            let k = type == LUA_TNUMBER ? lua_tointegerx(L, -1, &isInteger) : 0
            if isInteger != 0 && k >= 1 && k <= length { continue }
            switch type {
            case LUA_TSTRING:
                let key = describeKey(at: -1)
                if length > 0 { throw failure("mixed table (array items and string key \(key))") }
                if marked { throw failure("string key \(key) in a table marked as an array") }
                throw failure("mixed table (string key \(key) and non-string keys)")
            case LUA_TNUMBER where isInteger != 0:
                throw failure(length > 0
                    ? "sparse array (key \(k) beyond length \(length))"
                    : "sparse array (key \(k) but no item at index 1)")
            case LUA_TNUMBER:
                throw failure("cannot encode number key \(lua_tonumberx(L, -1, nil))")
            default:
                throw failure("cannot encode a key of type \(String(cString: luaL_typename(L, -1)))")
            }
        }
    }

    private mutating func writeObject(at index: Int32, depth: Int) throws {
        out.append(UInt8(ascii: "{"))
        var first = true
        if options.sortKeys {
            var keys: [(UnsafePointer<UInt8>, Int)] = []
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                lua_settop(L, -2)
                keys.append(try objectKey(at: -1))
            }
            keys.sort { a, b in
                let c = memcmp(a.0, b.0, min(a.1, b.1))
                return c != 0 ? c < 0 : a.1 < b.1
            }
            // The keys stay alive: the table holds them, and nothing here changes the table.
            for (key, length) in keys {
                key.withMemoryRebound(to: CChar.self, capacity: length) { _ = lua_pushlstring(L, $0, length) }
                lua_rawget(L, index)
                try writeMember(key: key, length, valueAt: lua_gettop(L), first: first, depth: depth)
                lua_settop(L, -2)
                first = false
            }
        } else {
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                let (key, length) = try objectKey(at: -2)
                try writeMember(key: key, length, valueAt: lua_gettop(L), first: first, depth: depth)
                lua_settop(L, -2)
                first = false
            }
        }
        if !first { newline(depth - 1) }
        out.append(UInt8(ascii: "}"))
    }

    private mutating func writeMember(key: UnsafePointer<UInt8>, _ length: Int, valueAt value: Int32, first: Bool, depth: Int) throws {
        if !first { out.append(UInt8(ascii: ",")) }
        newline(depth)
        path.append(.key(key, length))
        try writeString(key, length)
        out.append(UInt8(ascii: ":"))
        if options.indent > 0 { out.append(UInt8(ascii: " ")) }
        try writeValue(at: value, depth: depth)
        path.removeLast()
    }

    /// The bytes of the string key at `index`; any other key is an error.
    private func objectKey(at index: Int32) throws -> (UnsafePointer<UInt8>, Int) {
        let type = lua_type(L, index)
        guard type == LUA_TSTRING else {
            if type == LUA_TNUMBER {
                var isInteger: Int32 = 0
                let k = lua_tointegerx(L, index, &isInteger)
                let key = isInteger != 0 ? "\(k)" : "\(lua_tonumberx(L, index, nil))"
                throw failure("mixed table (string keys and number key \(key))")
            }
            throw failure("cannot encode a key of type \(String(cString: luaL_typename(L, index)))")
        }
        var length = 0
        let p = lua_tolstring(L, index, &length)!
        return (UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), length)
    }

    @inline(__always)
    private func newline(_ depth: Int) {
        guard options.indent > 0 else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(repeating: UInt8(ascii: " "), count: options.indent * depth)
    }

    // MARK: Errors

    /// The error for a table nested deeper than `maxDepth`: a cycle if one table appears twice
    /// among the ancestors (named by the path where it closes), deep nesting otherwise.
    private func nestingFailure() -> LuaScriptError {
        var seen: Set<UnsafeRawPointer> = []
        for (level, table) in ancestors.enumerated() where !seen.insert(table).inserted {
            return LuaScriptError("json.encode: cycle in table at \(pathText(steps: level))")
        }
        return LuaScriptError("json.encode: nesting deeper than \(Self.maxDepth) levels")
    }

    private func failure(_ message: String) -> LuaScriptError {
        LuaScriptError("json.encode: \(message) at \(pathText(steps: path.count))")
    }

    /// `$`, `$.name`, `$.items[2]`, `$["odd key"]`.
    private func pathText(steps: Int) -> String {
        var text = "$"
        for step in path.prefix(steps) {
            switch step {
            case .index(let k):
                text += "[\(k)]"
            case .key(let p, let length):
                let bytes = UnsafeBufferPointer(start: p, count: length)
                let isName = length > 0 && !(bytes[0] >= UInt8(ascii: "0") && bytes[0] <= UInt8(ascii: "9"))
                    && bytes.allSatisfy { c in
                        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
                    }
                let key = String(decoding: bytes, as: UTF8.self)
                text += isName ? ".\(key)" : "[\(quoted(key))]"
            }
        }
        return text
    }

    private func describeKey(at index: Int32) -> String {
        var length = 0
        let p = lua_tolstring(L, index, &length)!
        return quoted(String(decoding: UnsafeRawBufferPointer(start: p, count: length), as: UTF8.self))
    }

    private func quoted(_ s: String) -> String {
        "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }
}

extension String {
    /// `replacingOccurrences` without Foundation, for short strings.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        for c in self { if c == target { result += replacement } else { result.append(c) } }
        return result
    }
}
