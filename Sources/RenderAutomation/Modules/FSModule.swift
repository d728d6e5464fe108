import LuaBridge

/// `require("rscript.fs")`. (Placeholder: being written.)
enum FSModule: RuntimeModule {
    static let name = "rscript.fs"

    static func open(in runtime: ScriptRuntime) {
        runtime.state.pushModule("fs", functions: [])
    }
}
