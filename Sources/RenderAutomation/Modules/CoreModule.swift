import CLuaShim
import LuaBridge

/// `require("rscript")`: the runtime itself: `null`, `version`, `onStop(fn)`.
enum CoreModule: RuntimeModule {
    static let name = "rscript"

    static func open(in runtime: ScriptRuntime) {
        let state = runtime.state
        state.pushModule("rscript", functions: [
            ("onStop", { [unowned runtime] call in
                runtime.stopHooks.append(try call.function(1))
                return 0
            }),
            ("isNull", { call in
                call.push(call.type(1) == LUA_TUSERDATA && (try? call.value(1)) == .null)
                return 1
            }),
        ])
        state.pushNull()
        lua_setfield(state.L, -2, "null")
        state.pushString(RenderAutomationVersion.string)
        lua_setfield(state.L, -2, "version")
    }
}
