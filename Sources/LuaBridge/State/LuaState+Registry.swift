import CLuaShim

/// Named slots in the registry, for a value that must be one per state (a runtime's job
/// manager, say) and reachable from any thread of it. The registry has no metatable, so these
/// never run Lua code.
extension LuaState {
    /// Pushes `registry[key]` on `thread` and returns true when it is set; pushes nothing and
    /// returns false when it is not.
    public func pushRegistryValue(named key: String, on thread: OpaquePointer? = nil) -> Bool {
        let L = thread ?? self.L
        if lua_getfield(L, rscript_registryindex(), key) != LUA_TNIL { return true }
        lua_settop(L, -2)
        return false
    }

    /// `registry[key]` = the value on top of `thread`'s stack, which stays there.
    public func setRegistryValue(named key: String, toTopOf thread: OpaquePointer? = nil) {
        let L = thread ?? self.L
        lua_pushvalue(L, -1)
        lua_setfield(L, rscript_registryindex(), key)
    }

    /// The release of the Lua library rscript runs on, such as "Lua 5.4.4".
    public static var luaRelease: String { String(cString: rscript_lua_release()) }
}
