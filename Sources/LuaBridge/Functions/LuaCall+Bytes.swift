import CLuaShim

/// Byte strings in and out of a Swift function without a copy into a Swift `String`.
extension LuaCall {
    /// Pushes `bytes` as one Lua string (embedded zeros and invalid UTF-8 kept).
    public func push(bytes: UnsafeRawBufferPointer) {
        _ = lua_pushlstring(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    /// Pushes `bytes` as one Lua string.
    public func push(bytes: [UInt8]) {
        bytes.withUnsafeBytes { push(bytes: $0) }
    }

    /// The bytes of argument `position`, a string or a number (converted in place, as Lua's
    /// string functions do), without a copy. They stay valid while the value stays at
    /// `position`: until this call returns, or, for a call that suspends, until its task is
    /// resumed. Throws a "string expected" argument error for any other type.
    public func borrowedBytes(_ position: Int32) throws -> UnsafeRawBufferPointer {
        let type = luaType(position)
        guard type == .string || type == .number else { throw typeError(position, expected: "string") }
        var length = 0
        let data = lua_tolstring(L, position, &length)
        return UnsafeRawBufferPointer(start: data, count: length)
    }
}
