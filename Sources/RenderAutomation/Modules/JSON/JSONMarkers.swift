// Raw Lua C API: makes a bare full userdata and its metatable, which LuaBridge has no call for.
import CLuaShim
import LuaBridge

/// The JSON module's two marker values, installed in every runtime's state as LuaBridge's data
/// markers (`LuaState.installDataMarkers`): they are what `LuaValue.null` and an empty
/// `LuaValue.object` are in Lua.
enum JSONMarkers {
    /// Makes them and installs them in `state`: `null`, a unique full userdata that prints as
    /// "null" and whose metatable is locked; and the metatable that marks a table as an object
    /// even when empty (`__jsontype = "object"`, as the array marker has `"array"`).
    static func install(in state: LuaState) {
        let L = state.L
        lua_newuserdatauv(L, 0, 0)
        lua_createtable(L, 0, 3)
        lua_pushstring(L, "null")
        lua_setfield(L, -2, "__name")
        state.push(function: "tostring") { call in
            call.push("null")
            return 1
        }
        lua_setfield(L, -2, "__tostring")
        lua_pushstring(L, "null")
        lua_setfield(L, -2, "__metatable")
        lua_setmetatable(L, -2)
        lua_createtable(L, 0, 1)
        lua_pushstring(L, "object")
        lua_setfield(L, -2, "__jsontype")
        state.installDataMarkers(nullAt: -2, objectMetatableAt: -1)
        lua_settop(L, -3)
    }
}
