// Raw Lua C API: reads table keys and metatables in place (raw, no Lua code runs).
import CLuaShim
import LuaBridge

/// What a table is: its marker, and whether its keys make an array or an object.
extension LuaJSONWriter {
    /// What the metatable asks for: the markers, or a raw `__jsontype` field.
    func shape(of index: Int32) -> Shape {
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
    func checkArrayKeys(at index: Int32, length: lua_Integer, marked: Bool, excludingInnermost inner: Bool = false) throws {
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
    mutating func sortKeys(of index: Int32) throws -> Kind {
        let base = lua_gettop(L)
        let start = sortedKeys.count
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            lua_settop(L, -2)
            let (key, length) = try objectKey(at: -1)
            guard rscript_checkstack(L, 8) != 0 else { throw failure("too many keys to sort") }
            lua_pushvalue(L, -1)
            lua_rotate(L, -2, 1)  // [copies..., copy, key]: lua_next goes on from the key
            sortedKeys.append((key, length, lua_gettop(L) - 1))
        }
        sortedKeys[start...].sort { a, b in JSONTextWriter.keyPrecedes(a.0, a.1, b.0, b.1) }
        return .sortedObject(position: start, start: start, end: sortedKeys.count, base: base)
    }

    /// The string key at `index`, quoted for a message.
    func describeKey(at index: Int32) -> String {
        var length = 0
        let p = lua_tolstring(L, index, &length)!
        return quoted(String(decoding: UnsafeRawBufferPointer(start: p, count: length), as: UTF8.self))
    }

    /// The bytes of the string key at `index`; any other key is an error.
    func objectKey(at index: Int32, excludingInnermost inner: Bool = false) throws -> (UnsafePointer<UInt8>, Int) {
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
}
