import CLuaShim
import LuaBridge

extension LuaState {
    /// Installs a null value (a bare userdata) and an object marker (a bare metatable), as an
    /// embedder does (rscript's JSON module makes its own; `JSONModuleTests` checks those).
    func installTestDataMarkers() {
        lua_newuserdatauv(L, 0, 0)
        lua_createtable(L, 0, 0)
        installDataMarkers(nullAt: -2, objectMetatableAt: -1)
        lua_settop(L, -3)
    }
}
