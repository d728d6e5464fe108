// Raw Lua C API: walks tables in place with raw access and lua_next, never running Lua code or a GC step.
import CLuaShim
import LuaBridge

/// How `json.encode` lays out its output.
struct JSONWriteOptions {
    /// Spaces per level; 0 writes everything on one line.
    var indent = 0
    /// Writes object keys in byte order instead of the table's order.
    var sortKeys = false
}

/// The Lua end of the JSON writer: walks the Lua value at a stack index and gives it to the
/// writer core (`JSONTextWriter`), walking tables in place with raw access:
/// it never runs Lua code (no metamethods; the `__jsontype` field is read raw) and never raises a
/// Lua error. It also avoids every API call that may run a GC step (pushing strings, making
/// tables), so no `__gc` finalizer can run, and change a table, while it walks. Failures throw
/// a `LuaScriptError` that names the path of the value at fault.
///
/// Tables: the object marker (or `__jsontype = "object"`) makes an object; the array marker (or
/// `__jsontype = "array"`) an array; otherwise a table with keys `1...n` is an array, one with
/// only string keys an object, an empty one `[]`. Anything else is an error.
struct LuaJSONWriter {
    static var maxDepth: Int { JSONTextWriter.maxDepth }

    let L: OpaquePointer
    let text: JSONTextWriter
    let options: JSONWriteOptions
    /// The identity of the null sentinel.
    let nullPointer: UnsafeRawPointer?
    /// Stack slots of the object and array marker metatables, and of the string `__jsontype`.
    let objectMarkerSlot: Int32
    let arrayMarkerSlot: Int32
    let jsonTypeKeySlot: Int32

    /// The tables being written, outermost first. Writing is a loop over this explicit stack
    /// rather than recursion, so deep nesting costs no native stack.
    var frames: [Frame] = []
    /// The keys of the open sorted objects, innermost last: bytes, length, stack slot of a copy.
    /// Kept apart so that `Frame` stays plain data, cheap to copy.
    var sortedKeys: [(UnsafePointer<UInt8>, Int, Int32)] = []

    struct Frame {
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

    enum Kind {
        /// Items `next...length` remain; `marked` if the table asked to be an array.
        case array(next: lua_Integer, length: lua_Integer, marked: Bool)
        /// `lua_next` order; the last key stays on the stack between items.
        case object
        /// Byte order: the keys are `sortedKeys[start..<end]`, copies of them sit on the stack
        /// above `base`; `position` is the next one.
        case sortedObject(position: Int, start: Int, end: Int, base: Int32)
    }

    enum PathStep {
        case index(Int64)
        /// A string key, as bytes of a Lua string that stays alive while it is written.
        case key(UnsafePointer<UInt8>, Int)
    }

    enum Shape { case array, object, infer }

    init(L: OpaquePointer, out: ByteBuffer, options: JSONWriteOptions, nullPointer: UnsafeRawPointer?,
         objectMarkerSlot: Int32, arrayMarkerSlot: Int32, jsonTypeKeySlot: Int32) {
        self.L = L
        self.text = JSONTextWriter(out: out, indent: options.indent)
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
    mutating func begin(at index: Int32) throws {
        switch lua_type(L, index) {
        case LUA_TSTRING:
            var length = 0
            let chars = lua_tolstring(L, index, &length)!
            try chars.withMemoryRebound(to: UInt8.self, capacity: length) { try writeString($0, length) }
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 {
                text.writeInteger(lua_tointegerx(L, index, nil))
            } else {
                do { try text.writeDouble(lua_tonumberx(L, index, nil)) } catch { throw failure(error.message) }
            }
        case LUA_TBOOLEAN:
            text.writeBool(lua_toboolean(L, index) != 0)
        case LUA_TTABLE:
            try open(at: index)
        case LUA_TUSERDATA where lua_topointer(L, index) == nullPointer:
            text.writeNull()
        case LUA_TNIL, LUA_TNONE:
            throw failure("cannot encode nil (use json.null for null)")
        default:
            let name = String(cString: luaL_typename(L, index))
            throw failure("cannot encode a \(name) value")
        }
    }

    mutating func open(at index: Int32) throws {
        let identity = lua_topointer(L, index)!
        if frames.count >= Self.maxDepth { throw nestingFailure(adding: identity) }
        if rscript_checkstack(L, 6) == 0 { throw failure("table nested too deeply") }

        let length = lua_Integer(lua_rawlen(L, index))
        let requested = shape(of: index)
        var shape = requested
        if shape == .infer {
            if length > 0 {
                shape = .array
            } else {
                lua_pushnil(L)
                guard lua_next(L, index) != 0 else {
                    text.out.append("[]")
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
            text.out.append(UInt8(ascii: "["))
            frames.append(Frame(table: index, identity: identity, kind: .array(next: 1, length: length, marked: requested == .array)))
            return
        }
        text.out.append(UInt8(ascii: "{"))
        if options.sortKeys {
            frames.append(Frame(table: index, identity: identity, kind: try sortKeys(of: index)))
        } else {
            lua_pushnil(L)  // the first key for lua_next
            frames.append(Frame(table: index, identity: identity, kind: .object))
        }
    }

    /// Writes the next item of the innermost table, or closes it.
    mutating func advance() throws {
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
            text.beginItem(first: frame.first, depth: depth)
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

    mutating func close(_ bracket: UInt8, empty: Bool) {
        frames.removeLast()
        text.close(bracket, empty: empty, depth: frames.count)
    }

    func writeKey(_ key: UnsafePointer<UInt8>, _ length: Int, first: Bool, depth: Int) throws {
        do { try text.writeKey(key, length, first: first, depth: depth) } catch { throw failure(error.message) }
    }

    @inline(__always)
    func writeString(_ s: UnsafePointer<UInt8>, _ length: Int) throws {
        do { try text.writeString(s, length) } catch { throw failure(error.message) }
    }
}
