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
/// it never runs Lua code (no metamethods; the `__jsontype` field is read raw) and never raises a
/// Lua error. It also avoids every API call that may run a GC step (pushing strings, making
/// tables), so no `__gc` finalizer can run, and change a table, while it walks. Failures throw
/// a `LuaScriptError` that names the path of the value at fault.
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
    /// Stack slots of the object and array marker metatables, and of the string `__jsontype`.
    let objectMarkerSlot: Int32
    let arrayMarkerSlot: Int32
    let jsonTypeKeySlot: Int32

    /// The tables being written, outermost first. Writing is a loop over this explicit stack
    /// rather than recursion, so deep nesting costs no native stack.
    private var frames: [Frame] = []
    /// The keys of the open sorted objects, innermost last: bytes, length, stack slot of a copy.
    /// Kept apart so that `Frame` stays plain data, cheap to copy.
    private var sortedKeys: [(UnsafePointer<UInt8>, Int, Int32)] = []

    private struct Frame {
        /// Absolute stack index of the table.
        let table: Int32
        /// Its identity, to tell a cycle from deep nesting.
        let identity: UnsafeRawPointer
        var kind: Kind
        /// The key or index of the item being written, for error messages.
        var step: PathStep?
        /// Whether the item's value is still on the stack, to pop before the next one.
        var itemOnStack = false
        var first = true
    }

    private enum Kind {
        /// Items `next...length` remain; `marked` if the table asked to be an array.
        case array(next: lua_Integer, length: lua_Integer, marked: Bool)
        /// `lua_next` order; the last key stays on the stack between items.
        case object
        /// Byte order: the keys are `sortedKeys[start..<end]`, copies of them sit on the stack
        /// above `base`; `position` is the next one.
        case sortedObject(position: Int, start: Int, end: Int, base: Int32)
    }

    private enum PathStep {
        case index(Int64)
        /// A string key, as bytes of a Lua string that stays alive while it is written.
        case key(UnsafePointer<UInt8>, Int)
    }

    private enum Shape { case array, object, infer }

    init(L: OpaquePointer, out: ByteBuffer, options: JSONWriteOptions, nullPointer: UnsafeRawPointer?,
         objectMarkerSlot: Int32, arrayMarkerSlot: Int32, jsonTypeKeySlot: Int32) {
        self.L = L
        self.out = out
        self.options = options
        self.nullPointer = nullPointer
        self.objectMarkerSlot = objectMarkerSlot
        self.arrayMarkerSlot = arrayMarkerSlot
        self.jsonTypeKeySlot = jsonTypeKeySlot
    }

    /// Appends the value at absolute stack index `index`; the stack is as it was afterwards.
    mutating func write(at index: Int32) throws {
        frames.reserveCapacity(32)
        try begin(at: index)
        while !frames.isEmpty { try advance() }
    }

    // MARK: Values

    /// Writes a scalar whole, or opens a table: writes its bracket and pushes its frame.
    private mutating func begin(at index: Int32) throws {
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
            try open(at: index)
        case LUA_TUSERDATA where lua_topointer(L, index) == nullPointer:
            out.append("null")
        case LUA_TNIL, LUA_TNONE:
            throw failure("cannot encode nil (use json.null for null)")
        default:
            let name = String(cString: luaL_typename(L, index))
            throw failure("cannot encode a \(name) value")
        }
    }

    private mutating func open(at index: Int32) throws {
        let identity = lua_topointer(L, index)!
        if frames.count >= Self.maxDepth { throw nestingFailure(adding: identity) }
        if lua_checkstack(L, 6) == 0 { throw failure("table nested too deeply") }

        let length = lua_Integer(lua_rawlen(L, index))
        let requested = shape(of: index)
        var shape = requested
        if shape == .infer {
            if length > 0 {
                shape = .array
            } else {
                lua_pushnil(L)
                guard lua_next(L, index) != 0 else {
                    out.append("[]")
                    return
                }
                let keyType = lua_type(L, -2)
                lua_settop(L, -3)
                if keyType != LUA_TSTRING {
                    try checkArrayKeys(at: index, length: 0, marked: false)  // throws: names the first bad key
                }
                shape = .object
            }
        }
        if shape == .array {
            out.append(UInt8(ascii: "["))
            frames.append(Frame(table: index, identity: identity, kind: .array(next: 1, length: length, marked: requested == .array)))
            return
        }
        out.append(UInt8(ascii: "{"))
        if options.sortKeys {
            frames.append(Frame(table: index, identity: identity, kind: try sortKeys(of: index)))
        } else {
            lua_pushnil(L)  // the first key for lua_next
            frames.append(Frame(table: index, identity: identity, kind: .object))
        }
    }

    /// Writes the next item of the innermost table, or closes it.
    private mutating func advance() throws {
        var frame = frames[frames.count - 1]
        if frame.itemOnStack {
            lua_settop(L, -2)
            frame.itemOnStack = false
        }
        let depth = frames.count
        switch frame.kind {
        case .array(let next, let length, let marked):
            guard next <= length else {
                frames[frames.count - 1] = frame
                try checkArrayKeys(at: frame.table, length: length, marked: marked, excludingInnermost: true)
                close(UInt8(ascii: "]"), empty: length == 0)
                return
            }
            if lua_rawgeti(L, frame.table, next) == LUA_TNIL {
                throw failure("sparse array (no item at index \(next) of \(length))", excludingInnermost: true)
            }
            frame.kind = .array(next: next + 1, length: length, marked: marked)
            frame.step = .index(next)
            if !frame.first { out.append(UInt8(ascii: ",")) }
            newline(depth)
        case .object:
            guard lua_next(L, frame.table) != 0 else {
                frames[frames.count - 1] = frame
                close(UInt8(ascii: "}"), empty: frame.first)
                return
            }
            frames[frames.count - 1] = frame
            let (key, length) = try objectKey(at: -2, excludingInnermost: true)
            frame.step = .key(key, length)
            try writeKey(key, length, first: frame.first, depth: depth)
        case .sortedObject(let position, let start, let end, let base):
            guard position < end else {
                lua_settop(L, base)
                sortedKeys.removeLast(end - start)
                frames[frames.count - 1] = frame
                close(UInt8(ascii: "}"), empty: start == end)
                return
            }
            let (key, length, slot) = sortedKeys[position]
            lua_pushvalue(L, slot)
            lua_rawget(L, frame.table)
            frame.kind = .sortedObject(position: position + 1, start: start, end: end, base: base)
            frame.step = .key(key, length)
            try writeKey(key, length, first: frame.first, depth: depth)
        }
        frame.first = false
        frame.itemOnStack = true
        frames[frames.count - 1] = frame
        try begin(at: lua_gettop(L))
    }

    private mutating func close(_ bracket: UInt8, empty: Bool) {
        frames.removeLast()
        if !empty { newline(frames.count) }
        out.append(bracket)
    }

    private func writeKey(_ key: UnsafePointer<UInt8>, _ length: Int, first: Bool, depth: Int) throws {
        if !first { out.append(UInt8(ascii: ",")) }
        newline(depth)
        try writeString(key, length)
        out.append(UInt8(ascii: ":"))
        if options.indent > 0 { out.append(UInt8(ascii: " ")) }
    }

    private func writeDouble(_ value: Double) throws {
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

    private func writeString(_ s: UnsafePointer<UInt8>, _ length: Int) throws {
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

    /// What the metatable asks for: the markers, or a raw `__jsontype` field.
    private func shape(of index: Int32) -> Shape {
        guard lua_getmetatable(L, index) != 0 else { return .infer }
        defer { lua_settop(L, -2) }
        if lua_rawequal(L, -1, objectMarkerSlot) != 0 { return .object }
        if lua_rawequal(L, -1, arrayMarkerSlot) != 0 { return .array }
        lua_pushvalue(L, jsonTypeKeySlot)
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

    /// Throws unless the table's keys are exactly `1...length`, naming a key that does not belong.
    private func checkArrayKeys(at index: Int32, length: lua_Integer, marked: Bool, excludingInnermost inner: Bool = false) throws {
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
                if length > 0 { throw failure("mixed table (array items and string key \(key))", excludingInnermost: inner) }
                if marked { throw failure("string key \(key) in a table marked as an array", excludingInnermost: inner) }
                throw failure("mixed table (string key \(key) and non-string keys)", excludingInnermost: inner)
            case LUA_TNUMBER where isInteger != 0:
                throw failure(length > 0
                    ? "sparse array (key \(k) beyond length \(length))"
                    : "sparse array (key \(k) but no item at index 1)", excludingInnermost: inner)
            case LUA_TNUMBER:
                throw failure("cannot encode number key \(lua_tonumberx(L, -1, nil))", excludingInnermost: inner)
            default:
                throw failure("cannot encode a key of type \(String(cString: luaL_typename(L, -1)))", excludingInnermost: inner)
            }
        }
    }

    /// Pushes copies of the table's keys on the stack and appends them to `sortedKeys` in byte
    /// order. (Looking values up by keys pushed anew as text could run the GC.)
    private mutating func sortKeys(of index: Int32) throws -> Kind {
        let base = lua_gettop(L)
        let start = sortedKeys.count
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            lua_settop(L, -2)
            let (key, length) = try objectKey(at: -1)
            guard lua_checkstack(L, 8) != 0 else { throw failure("too many keys to sort") }
            lua_pushvalue(L, -1)
            lua_rotate(L, -2, 1)  // [copies..., copy, key]: lua_next goes on from the key
            sortedKeys.append((key, length, lua_gettop(L) - 1))
        }
        sortedKeys[start...].sort { a, b in
            let c = memcmp(a.0, b.0, min(a.1, b.1))
            return c != 0 ? c < 0 : a.1 < b.1
        }
        return .sortedObject(position: start, start: start, end: sortedKeys.count, base: base)
    }

    /// The bytes of the string key at `index`; any other key is an error.
    private func objectKey(at index: Int32, excludingInnermost inner: Bool = false) throws -> (UnsafePointer<UInt8>, Int) {
        let type = lua_type(L, index)
        guard type == LUA_TSTRING else {
            if type == LUA_TNUMBER {
                var isInteger: Int32 = 0
                let k = lua_tointegerx(L, index, &isInteger)
                let key = isInteger != 0 ? "\(k)" : "\(lua_tonumberx(L, index, nil))"
                throw failure("mixed table (string keys and number key \(key))", excludingInnermost: inner)
            }
            throw failure("cannot encode a key of type \(String(cString: luaL_typename(L, index)))", excludingInnermost: inner)
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
    /// among the open ones (named by the path where it closes), deep nesting otherwise.
    private func nestingFailure(adding identity: UnsafeRawPointer) -> LuaScriptError {
        var seen: Set<UnsafeRawPointer> = []
        for (level, table) in (frames.map(\.identity) + [identity]).enumerated() where !seen.insert(table).inserted {
            return LuaScriptError("json.encode: cycle in table at \(pathText(frames.prefix(level)))")
        }
        return LuaScriptError("json.encode: nesting deeper than \(Self.maxDepth) levels")
    }

    /// An error about the value being written, or with `excludingInnermost` about the innermost
    /// open table itself.
    private func failure(_ message: String, excludingInnermost: Bool = false) -> LuaScriptError {
        let path = pathText(frames.dropLast(excludingInnermost ? 1 : 0))
        return LuaScriptError("json.encode: \(message) at \(path)")
    }

    /// `$`, `$.name`, `$.items[2]`, `$["odd key"]`.
    private func pathText(_ open: ArraySlice<Frame>) -> String {
        var text = "$"
        for step in open.compactMap(\.step) {
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
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        for c in self { if c == target { result += replacement } else { result.append(c) } }
        return result
    }
}
