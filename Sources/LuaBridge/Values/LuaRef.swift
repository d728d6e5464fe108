import CLuaShim

/// A reference to a Lua value held in the registry: keeps it alive while this object lives and
/// releases it when the reference goes (or when the state closes first).
public class LuaRef {
    public let state: LuaState
    public let ref: Int32

    /// Takes the value at the top of `thread`'s stack (popping it).
    public required init(state: LuaState, popping thread: OpaquePointer) {
        self.state = state
        if thread != state.L {
            lua_xmove(thread, state.L, 1)
        }
        ref = luaL_ref(state.L, rscript_registryindex())
    }

    deinit {
        if !state.isClosed { luaL_unref(state.L, rscript_registryindex(), ref) }
    }

    /// Pushes the referenced value on `thread` (the main thread by default).
    @inline(__always)
    public func push(on thread: OpaquePointer? = nil) {
        lua_rawgeti(thread ?? state.L, rscript_registryindex(), lua_Integer(ref))
    }

    /// The referenced value as data (see `LuaValue`).
    public func value() throws -> LuaValue {
        try state.checkOpen()
        push()
        defer { lua_pop(state.L, 1) }
        return try state.value(at: -1)
    }
}

/// A Lua userdata (for instance a Swift object pushed to Lua), kept alive by this reference.
public final class LuaUserdataRef: LuaRef {}

extension LuaState {
    /// A reference to the value at `index` of `thread` (any type).
    public func reference(at index: Int32, on thread: OpaquePointer? = nil) -> LuaRef {
        let L = thread ?? self.L
        lua_pushvalue(L, index)
        switch lua_type(L, -1) {
        case LUA_TFUNCTION: return LuaFunction(state: self, popping: L)
        case LUA_TTABLE: return LuaTable(state: self, popping: L)
        case LUA_TUSERDATA: return LuaUserdataRef(state: self, popping: L)
        default: return LuaRef(state: self, popping: L)
        }
    }

    /// The global `name`, read raw from the globals table (a strict-mode `__index` on `_G` does
    /// not run).
    public func global(_ name: String) throws -> LuaValue {
        try checkOpen()
        pushRawGlobal(name)
        defer { lua_pop(L, 1) }
        return try value(at: -1)
    }

    /// The global `name` if it is a function (read raw), else nil.
    public func globalFunction(_ name: String) -> LuaFunction? {
        pushRawGlobal(name)
        guard lua_type(L, -1) == LUA_TFUNCTION else {
            lua_pop(L, 1)
            return nil
        }
        return LuaFunction(state: self, popping: L)
    }

    /// Sets the global `name`, raw: never runs a `__newindex` on `_G`.
    /// Throws `.conversion` for data nested too deeply (the global is then left as it was).
    public func setGlobal(_ name: String, _ value: LuaValue) throws {
        try push(value)
        setRawGlobal(name)
    }

    /// Sets the global `name`, raw, to a new table holding `strings` at the integer keys
    /// `firstIndex`, `firstIndex + 1`, ... (the `arg` table of a script starts at -1).
    ///
    /// Why not `setGlobal(name, .table(...))`: that builds a `[LuaValue: LuaValue]`, and the first
    /// use of that dictionary type costs the Swift runtime a search of every protocol conformance
    /// in the binary (about 0.1 ms of `rscript run`'s start-up). Two slots; cannot raise.
    public func setGlobal(_ name: String, strings: [String], firstIndex: Int) {
        if isClosed { return }
        lua_createtable(L, Int32(clamping: strings.count), 2)
        for (i, string) in strings.enumerated() {
            pushString(string)
            lua_rawseti(L, -2, lua_Integer(firstIndex + i))
        }
        setRawGlobal(name)
    }

    /// Pushes `_G[name]`, read raw.
    func pushRawGlobal(_ name: String) {
        lua_pushglobaltable(L)
        pushString(name)
        lua_rawget(L, -2)
        lua_rotate(L, -2, 1)
        lua_settop(L, -2)
    }

    /// Pops the value at the top of the stack into `_G[name]`, raw.
    func setRawGlobal(_ name: String) {
        lua_pushglobaltable(L)
        lua_rotate(L, -2, 1)  // [G, value]
        pushString(name)
        lua_rotate(L, -2, 1)  // [G, name, value]
        lua_rawset(L, -3)
        lua_settop(L, -2)
    }

    /// The globals table.
    public var globals: LuaTable {
        lua_pushglobaltable(L)
        return LuaTable(state: self, popping: L)
    }

    /// A new empty table.
    public func newTable() -> LuaTable {
        lua_createtable(L, 0, 0)
        return LuaTable(state: self, popping: L)
    }
}
