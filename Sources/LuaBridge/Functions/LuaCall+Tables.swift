import CLuaShim

/// Reading a table argument item by item, raw (no metamethod runs, so no Lua code).
extension LuaCall {
    /// `#t` without `__len`, for the table at `position` (0 for anything else).
    public func rawLength(_ position: Int32) -> Int {
        luaType(position) == .table ? Int(lua_rawlen(L, position)) : 0
    }

    /// Runs `body` with `rawget(t, index)` of the table at `position` at the top of the stack
    /// (position -1, for `object(-1)` and the like), and removes it after.
    public func withRawItem<R>(_ index: Int, ofTableAt position: Int32, _ body: () throws -> R) throws -> R {
        try state.reserveStack(1, on: L, for: "table items")
        let table = lua_absindex(L, position)
        lua_rawgeti(L, table, lua_Integer(index))
        defer { lua_settop(L, -2) }
        return try body()
    }
}
