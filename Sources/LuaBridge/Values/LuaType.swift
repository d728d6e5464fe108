import CLuaShim

/// The type of a value on the stack, with `lua_type`'s codes: what `type()` tells a script,
/// plus `none` for a position past the top (an argument not given).
public enum LuaType: Int32, Sendable {
    case none = -1
    case `nil` = 0
    case boolean = 1
    case lightUserdata = 2
    case number = 3
    case string = 4
    case table = 5
    case function = 6
    case userdata = 7
    case thread = 8
}

extension LuaCall {
    /// The type of argument `position` (`.none` when it was not given). Never runs Lua code.
    @inlinable public func luaType(_ position: Int32) -> LuaType {
        LuaType(rawValue: lua_type(L, position)) ?? .none
    }
}
