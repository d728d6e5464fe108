import CLuaShim

extension LuaState {
    /// Pushes a value on `thread` (the main thread by default). Never runs Lua code. The caller
    /// provides the one slot the value itself takes (a Swift function has 20 on entry; more
    /// through `reserveStack`); the slots that nested tables need are reserved here.
    /// Throws `.conversion` for data nested deeper than `maxDataDepth` or a stack that cannot
    /// grow; the stack is then as it was.
    public func push(_ value: LuaValue, on thread: OpaquePointer? = nil) throws {
        let L = thread ?? self.L
        let top = lua_gettop(L)
        do {
            try pushElement(value, on: L, depth: 0)
        } catch {
            lua_settop(L, top)
            throw error
        }
        rscript_debug_check_room(L)
    }

    private func pushTable(_ value: LuaValue, on L: OpaquePointer, depth: Int) throws {
        guard depth <= Self.maxDataDepth else {
            throw LuaError(.conversion, "data nested too deeply to pass to Lua (more than \(Self.maxDataDepth) levels)")
        }
        // The table itself, and a key and a value above it while it is filled.
        try reserveStack(3, on: L, for: "nested tables to pass to Lua")
        switch value {
        case .array(let a):
            lua_createtable(L, Int32(clamping: a.count), 0)
            for (i, element) in a.enumerated() {
                try pushElement(element, on: L, depth: depth)
                lua_rawseti(L, -2, lua_Integer(i + 1))
            }
        case .object(let o):
            lua_createtable(L, 0, Int32(clamping: o.count))
            if o.isEmpty {
                pushObjectMarker(on: L)
                lua_setmetatable(L, -2)
            }
            for (k, v) in o {
                pushString(k, on: L)
                try pushElement(v, on: L, depth: depth)
                lua_rawset(L, -3)
            }
        case .table(let t):
            lua_createtable(L, 0, Int32(clamping: t.count))
            for (k, v) in t {
                if k.isNil { continue }
                if case .double(let d) = k, d.isNaN { continue }
                try pushElement(k, on: L, depth: depth)
                try pushElement(v, on: L, depth: depth)
                lua_rawset(L, -3)
            }
        default:
            preconditionFailure("pushTable takes a table value")
        }
    }

    @inline(__always)
    private func pushElement(_ value: LuaValue, on L: OpaquePointer, depth: Int) throws {
        switch value {
        case .array, .object, .table: try pushTable(value, on: L, depth: depth + 1)
        case .nil: lua_pushnil(L)
        case .null: pushNull(on: L)
        case .bool(let b): lua_pushboolean(L, b ? 1 : 0)
        case .int(let i): lua_pushinteger(L, i)
        case .double(let d): lua_pushnumber(L, d)
        case .string(let s): pushString(s, on: L)
        case .bytes(let b): pushBytes(b, on: L)
        }
    }

    public func pushBytes(_ bytes: [UInt8], on thread: OpaquePointer? = nil) {
        let L = thread ?? self.L
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }

    @inline(__always)
    public func pushString(_ s: String, on thread: OpaquePointer? = nil) {
        let L = thread ?? self.L
        var s = s
        s.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }

    /// Reads the value at `index` of `thread` as data. Tables are copied (see `LuaValue` for the
    /// rule); a table that contains itself throws `.conversion`, as do functions, userdata and
    /// threads (other than the null sentinel), and so do tables nested deeper than
    /// `maxDataDepth`. Raw access: no metamethods run. Leaves the stack as it was, also when it throws.
    public func value(at index: Int32, on thread: OpaquePointer? = nil) throws -> LuaValue {
        let L = thread ?? self.L
        let top = lua_gettop(L)
        var visiting: Set<UnsafeRawPointer> = []
        do {
            return try readValue(L, lua_absindex(L, index), path: "value", visiting: &visiting)
        } catch {
            lua_settop(L, top)  // a failure deep in a table leaves its iteration keys behind
            throw error
        }
    }

    /// How deeply tables may nest as data, both ways (the conversions recurse on the Swift
    /// stack). The same as the JSON module's limit, so that what `json.decode` gives can be
    /// passed anywhere data goes (task results, pool and job data).
    public static let maxDataDepth = 1000

    private func readValue(_ L: OpaquePointer, _ index: Int32, path: String, visiting: inout Set<UnsafeRawPointer>) throws -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .bool(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .int(lua_tointegerx(L, index, nil)) }
            return .double(lua_tonumberx(L, index, nil))
        case LUA_TSTRING: return stringValue(L, index)
        case LUA_TTABLE: return try readTable(L, index, path: path, visiting: &visiting)
        case LUA_TUSERDATA where isNull(L, index): return .null
        case let type:
            let name = String(cString: lua_typename(L, type))
            throw LuaError(.conversion, "cannot convert a \(name) to data (at \(path))")
        }
    }

    func stringValue(_ L: OpaquePointer, _ index: Int32) -> LuaValue {
        var length = 0
        let p = lua_tolstring(L, index, &length)!
        let buffer = UnsafeRawBufferPointer(start: p, count: length)
        if let s = String(validating: buffer, as: UTF8.self) { return .string(s) }
        return .bytes(Array(buffer))
    }

    private func readTable(_ L: OpaquePointer, _ index: Int32, path: String, visiting: inout Set<UnsafeRawPointer>) throws -> LuaValue {
        let identity = lua_topointer(L, index)!
        guard visiting.insert(identity).inserted else {
            throw LuaError(.conversion, "cannot convert a table that contains itself (cycle at \(path))")
        }
        defer { visiting.remove(identity) }
        guard visiting.count <= Self.maxDataDepth, lua_checkstack(L, 4) != 0 else {
            throw LuaError(.conversion, "table nested too deeply (more than \(Self.maxDataDepth) levels, at \(path.count > 80 ? "..." + path.suffix(60) : Substring(path)))")
        }

        let isObjectMarked = hasObjectMarker(L, index)
        var arrayCount = Int(lua_rawlen(L, index))
        var pairs: [(LuaValue, LuaValue)] = []
        var allStringKeys = true
        var count = 0
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            count += 1
            let keyType = lua_type(L, -2)
            let key: LuaValue
            if keyType == LUA_TSTRING {
                key = stringValue(L, -2)
            } else {
                allStringKeys = false
                key = try readValue(L, lua_absindex(L, -2), path: path + "[?]", visiting: &visiting)
            }
            let childPath = key.stringValue.map { path + "." + $0 } ?? (key.intValue.map { path + "[\($0)]" } ?? path + "[?]")
            let value = try readValue(L, lua_absindex(L, -1), path: childPath, visiting: &visiting)
            pairs.append((key, value))
            lua_pop(L, 1)
        }
        if count == 0 { return isObjectMarked ? .object([:]) : .array([]) }
        if arrayCount != count { arrayCount = 0 }
        if arrayCount > 0 {
            var array = [LuaValue](repeating: .nil, count: arrayCount)
            var isSequence = true
            for (k, v) in pairs {
                guard case .int(let i) = k, i >= 1, i <= arrayCount else { isSequence = false; break }
                array[Int(i) - 1] = v
            }
            if isSequence { return .array(array) }
        }
        if allStringKeys {
            var object: [String: LuaValue] = [:]
            object.reserveCapacity(pairs.count)
            for (k, v) in pairs { object[k.stringValue!] = v }
            return .object(object)
        }
        return .table(Dictionary(pairs, uniquingKeysWith: { first, _ in first }))
    }

    private func hasObjectMarker(_ L: OpaquePointer, _ index: Int32) -> Bool {
        guard lua_getmetatable(L, index) != 0 else { return false }
        pushObjectMarker(on: L)
        let marked = lua_rawequal(L, -1, -2) != 0
        lua_pop(L, 2)
        return marked
    }

    /// The Lua type name of the value at `index`, using `__name` for userdata as Lua's
    /// auxiliary library does.
    public func typeName(at index: Int32, on thread: OpaquePointer? = nil) -> String {
        let L = thread ?? self.L
        if lua_type(L, index) == LUA_TUSERDATA {
            if isNull(L, index) { return "null" }
            let fieldType = luaL_getmetafield(L, index, "__name")
            if fieldType == LUA_TSTRING {
                let name = stringAt(L, -1)
                lua_pop(L, 1)
                return name
            }
            if fieldType != LUA_TNIL { lua_pop(L, 1) }
        }
        return String(cString: luaL_typename(L, index))
    }
}
