import CLuaShim

extension LuaFunction {
    /// Calls with no arguments on the main thread and returns its first result if that is a
    /// function (a chunk that builds one, such as a task script), else nil. `call()` cannot: it
    /// gives results as data, and a function is not data. Throws the call's error.
    public func callReturningFunction() throws -> LuaFunction? {
        let L = state.L
        let base = lua_gettop(L)
        try state.reserveStack(2, on: L, for: "a function call")
        push()
        try state.protectedCall(arguments: 0, results: 1)
        defer { lua_settop(L, base) }
        guard lua_type(L, -1) == LUA_TFUNCTION else { return nil }
        lua_pushvalue(L, -1)
        return LuaFunction(state: state, popping: L)
    }
}
