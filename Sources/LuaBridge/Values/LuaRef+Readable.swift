import CLuaShim

/// Tables and functions read as results and arguments (`call(..., returning: LuaTable.self)`):
/// a reference to the slot's value, without converting it to data, so that a module table
/// full of functions can be held from Swift.
extension LuaTable: LuaReadable {
    public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Self {
        try readReference(from: L, at: index, state: state, type: LUA_TTABLE, expected: "table")
    }
}

extension LuaFunction: LuaReadable {
    public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Self {
        try readReference(from: L, at: index, state: state, type: LUA_TFUNCTION, expected: "function")
    }
}

extension LuaRef {
    /// A reference to the value at `index` of `L` when it has Lua type `type`; the stack is left
    /// as it was. The copy pushed for the reference and the registry's own push need two slots,
    /// reserved on both stacks first (the reference lives in the main thread's registry).
    static func readReference<R: LuaRef>(from L: OpaquePointer, at index: Int32, state: LuaState,
                                         type: Int32, expected: String) throws -> R {
        guard lua_type(L, index) == type else {
            throw LuaError(.conversion, "\(expected) expected, got \(state.typeName(at: index, on: L))")
        }
        try state.reserveStack(2, on: L, for: "values to reference")
        if L != state.L { try state.reserveStack(2, for: "values to reference") }
        lua_pushvalue(L, index)
        return R(state: state, popping: L)
    }
}
