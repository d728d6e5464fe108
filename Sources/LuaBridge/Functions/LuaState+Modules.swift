import CLuaShim

/// What the runtime's modules are made of: tables of Swift functions and values, reached
/// through `require` (`package.preload`).
extension LuaState {
    /// Sets `fields` on the table on top of `thread`'s stack (raw: no `__newindex` runs), as a
    /// module's constants. Throws what pushing a value throws (a value nested too deep).
    public func setFields(_ fields: [(String, LuaValue)], ofTableOnTopOf thread: OpaquePointer? = nil) throws {
        let L = thread ?? self.L
        for (name, value) in fields {
            try reserveStack(2, on: L, for: "module fields")
            pushString(name, on: L)
            do { try push(value, on: L) } catch { lua_settop(L, -2); throw error }
            lua_rawset(L, -3)
        }
    }

    /// A Swift function as a `LuaFunction` handle (`name` is what its errors call it).
    public func makeFunction(_ name: String, _ body: @escaping LuaFunctionBody) -> LuaFunction {
        push(function: name, body)
        return LuaFunction(state: self, popping: L)
    }

    /// Makes `require(name)` call `open`, which pushes the module's value on the main thread;
    /// the bridge moves it to the thread that called `require`.
    public func preload(_ name: String, open: @escaping () -> Void) throws {
        let loader = makeFunction("require") { [unowned self] call in
            open()
            if call.L != self.L { lua_xmove(self.L, call.L, 1) }
            return 1
        }
        let package = try globals.get("package", as: LuaTable.self)
        let preload = try package.get("preload", as: LuaTable.self)
        try preload.set(name, loader)
    }
}
