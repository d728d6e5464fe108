import LuaBridge

/// `require("rscript.json")`. (Placeholder: being written.)
enum JSONModule: RuntimeModule {
    static let name = "rscript.json"

    static func open(in runtime: ScriptRuntime) {
        runtime.state.pushModule("json", functions: [])
    }
}
