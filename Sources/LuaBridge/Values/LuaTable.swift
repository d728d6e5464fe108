import CLuaShim

/// A Lua table held from Swift.
///
/// `get`/`set` honour metamethods (`__index`, `__newindex`) and so may run Lua code; they run it
/// protected and throw its error. `rawGet`/`rawSet` skip metamethods and never run Lua code.
public final class LuaTable: LuaRef {
    /// `t[key]`, with metamethods.
    public func get(_ key: some LuaPushable) throws -> LuaValue {
        try get(key, as: LuaValue.self)
    }

    /// `t[key]` read as `R`, with metamethods (a plain table takes the raw fast path).
    @inlinable
    public func get<R: LuaReadable>(_ key: some LuaPushable, as type: R.Type) throws -> R {
        let L = state.L
        lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref))
        key.push(on: L, state: state)
        let status = rscript_gettable(L, -2)
        if status != LUA_OK { throw state.tableError(status: status) }
        defer { lua_settop(L, -3) }
        return try R.read(from: L, at: -1, state: state)
    }

    /// `t[key] = value`, with metamethods.
    @inlinable
    public func set(_ key: some LuaPushable, _ value: some LuaPushable) throws {
        let L = state.L
        lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref))
        key.push(on: L, state: state)
        value.push(on: L, state: state)
        let status = rscript_settable(L, -3)
        if status != LUA_OK { throw state.tableError(status: status) }
        lua_settop(L, -2)
    }

    /// `rawget(t, key)`: no metamethods.
    public func rawGet(_ key: some LuaPushable) throws -> LuaValue {
        let L = state.L
        push()
        key.push(on: L, state: state)
        lua_rawget(L, -2)
        defer { lua_settop(L, -3) }
        return try state.value(at: -1)
    }

    /// `rawset(t, key, value)`: no metamethods. A nil or NaN key throws.
    public func rawSet(_ key: LuaValue, _ value: LuaValue) throws {
        if key.isNil { throw LuaError(.conversion, "table index is nil") }
        if case .double(let d) = key, d.isNaN { throw LuaError(.conversion, "table index is NaN") }
        let L = state.L
        push()
        state.push(key, on: L)
        state.push(value, on: L)
        lua_rawset(L, -3)
        lua_settop(L, -2)
    }

    /// `#t` without `__len`.
    public var rawLength: Int {
        push()
        defer { lua_settop(state.L, -2) }
        return Int(lua_rawlen(state.L, -1))
    }

    /// The raw key/value pairs (a snapshot, as data; keys or values that are not data throw).
    public func pairs() throws -> [(key: LuaValue, value: LuaValue)] {
        let L = state.L
        push()
        let t = lua_gettop(L)
        defer { lua_settop(L, t - 1) }
        var result: [(LuaValue, LuaValue)] = []
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            let key = try state.value(at: -2)
            let value = try state.value(at: -1)
            result.append((key, value))
            lua_settop(L, -2)
        }
        return result
    }

    /// The keys that are strings (raw), in no particular order.
    public func stringKeys() -> [String] {
        let L = state.L
        push()
        let t = lua_gettop(L)
        defer { lua_settop(L, t - 1) }
        var keys: [String] = []
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            if lua_type(L, -2) == LUA_TSTRING { keys.append(state.stringAt(L, -2)) }
            lua_settop(L, -2)
        }
        return keys
    }

    /// A field that holds a function, or nil.
    public func function(_ key: String) -> LuaFunction? {
        let L = state.L
        push()
        lua_getfield(L, -1, key)  // may run __index; callers use it on module tables
        defer { lua_settop(L, -2) }
        guard lua_type(L, -1) == LUA_TFUNCTION else {
            lua_settop(L, -2)
            return nil
        }
        return LuaFunction(state: state, popping: L)
    }
}

extension LuaState {
    @usableFromInline
    func tableError(status: Int32) -> LuaError {
        let error = popError(status: status, thread: L, traceback: nil)
        lua_settop(L, -2)  // the table
        return error
    }
}
