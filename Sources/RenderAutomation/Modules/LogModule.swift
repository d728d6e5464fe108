import LuaBridge

/// `require("rscript.log")`. (Placeholder: being written.)
enum LogModule: RuntimeModule {
    static let name = "rscript.log"

    static func open(in runtime: ScriptRuntime) {
        runtime.state.pushModule("log", functions: [])
    }
}
