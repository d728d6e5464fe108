import CLuaShim

/// Stack space. Lua guarantees a C function only `LUA_MINSTACK` (20) free slots, and a new
/// coroutine not many more; pushing past them is undefined behaviour that no handler catches.
/// Every push of a variable number of values, or of a nested value, reserves its slots here
/// first, and a reservation that cannot be had is a Lua error that says what was too large.
extension LuaState {
    /// The most values a stack can hold (`LUAI_MAXSTACK` in a stock Lua build).
    public static let maxStackSlots = 1_000_000

    /// Makes room for `count` more values on `thread` (the main thread by default). Never runs
    /// Lua code and never raises. Throws `.conversion` with "too many `what` (count)" when the
    /// stack cannot grow that far: `what` names the values, as "results to return" does.
    @inlinable
    public func reserveStack(_ count: Int, on thread: OpaquePointer? = nil, for what: @autoclosure () -> String, reporting reported: Int? = nil) throws {
        let L = thread ?? self.L
        guard count > 0 else { return }
        // lua_checkstack returns 0 (never raises) when the stack would pass its maximum or the
        // allocation fails; a count past Int32 cannot fit either.
        if count >= Int(Int32.max) || rscript_checkstack(L, Int32(count)) == 0 {
            throw LuaError(.conversion, "too many \(what()) (\(reported ?? count))")
        }
    }

    /// Pushes `values` in order on `thread`, each as data (see `push(_:on:)`), after reserving
    /// their slots. On a throw the stack is as it was.
    public func push<Values: Collection<LuaValue>>(values: Values, on thread: OpaquePointer? = nil, as what: @autoclosure () -> String) throws {
        let L = thread ?? self.L
        let top = lua_gettop(L)
        try reserveStack(values.count + 1, on: L, for: what(), reporting: values.count)
        do {
            for value in values { try push(value, on: L) }
        } catch {
            lua_settop(L, top)
            throw error
        }
    }
}
