import CLuaShim

/// A Swift value that can be pushed on a Lua stack without going through `LuaValue`.
public protocol LuaPushable {
    /// Pushes the value (one slot, provided by the caller). Only data that nests can throw
    /// (see `LuaState.push(_:on:)`).
    func push(on L: OpaquePointer, state: LuaState) throws
}

/// A Swift type that can be read from a Lua stack slot.
public protocol LuaReadable {
    static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Self
}

extension Int64: LuaPushable, LuaReadable {
    @inlinable public func push(on L: OpaquePointer, state: LuaState) { lua_pushinteger(L, self) }
    @inlinable public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Int64 {
        var ok: Int32 = 0
        let v = lua_tointegerx(L, index, &ok)
        if ok != 0 { return v }
        throw state.conversionError(expected: "integer", at: index, on: L)
    }
}

extension Int: LuaPushable, LuaReadable {
    @inlinable public func push(on L: OpaquePointer, state: LuaState) { lua_pushinteger(L, lua_Integer(self)) }
    @inlinable public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Int {
        Int(try Int64.read(from: L, at: index, state: state))
    }
}

extension Double: LuaPushable, LuaReadable {
    @inlinable public func push(on L: OpaquePointer, state: LuaState) { lua_pushnumber(L, self) }
    @inlinable public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Double {
        var ok: Int32 = 0
        let v = lua_tonumberx(L, index, &ok)
        if ok != 0 { return v }
        throw state.conversionError(expected: "number", at: index, on: L)
    }
}

extension Bool: LuaPushable, LuaReadable {
    @inlinable public func push(on L: OpaquePointer, state: LuaState) { lua_pushboolean(L, self ? 1 : 0) }
    @inlinable public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Bool {
        lua_toboolean(L, index) != 0
    }
}

extension String: LuaPushable, LuaReadable {
    public func push(on L: OpaquePointer, state: LuaState) { state.pushString(self, on: L) }
    public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> String {
        let t = lua_type(L, index)
        guard t == LUA_TSTRING || t == LUA_TNUMBER else {
            throw LuaError(.conversion, "string expected, got \(state.typeName(at: index, on: L))")
        }
        return state.stringAt(L, index)
    }
}

extension LuaValue: LuaPushable, LuaReadable {
    public func push(on L: OpaquePointer, state: LuaState) throws { try state.push(self, on: L) }
    public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> LuaValue {
        try state.value(at: index, on: L)
    }
}

extension Optional: LuaPushable where Wrapped: LuaPushable {
    public func push(on L: OpaquePointer, state: LuaState) throws {
        if let self { try self.push(on: L, state: state) } else { lua_pushnil(L) }
    }
}

extension Optional: LuaReadable where Wrapped: LuaReadable {
    public static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Wrapped? {
        lua_type(L, index) <= 0 ? nil : try Wrapped.read(from: L, at: index, state: state)
    }
}

extension LuaRef: LuaPushable {
    public func push(on L: OpaquePointer, state: LuaState) { push(on: L) }
}

extension LuaState {
    /// The error of a read that found another type. Out of line: built inside an inlined read,
    /// its string interpolation kept the read itself from being inlined into table and call
    /// fast paths (a call more on each).
    @usableFromInline @inline(never)
    func conversionError(expected: StaticString, at index: Int32, on L: OpaquePointer) -> LuaError {
        LuaError(.conversion, "\(expected) expected, got \(typeName(at: index, on: L))")
    }
}
