import ArgumentParser
import LuaBridge
import RenderAutomation

/// Flags shared by the commands that run Lua code.
struct RuntimeFlags: ParsableArguments {
    @Flag(help: "Run untrusted code: no io, os.execute, debug, package.loadlib or binary chunks.")
    var safe = false

    @Option(help: ArgumentHelp("Stop the script if its Lua state holds more than this many megabytes.", valueName: "MB"))
    var memoryLimit: Int?

    func validate() throws {
        if let memoryLimit, memoryLimit <= 0 {
            throw ValidationError("--memory-limit must be a positive number of megabytes, got \(memoryLimit)")
        }
    }

    func runtimeOptions() -> RuntimeOptions {
        var options = RuntimeOptions.fromEnvironment()
        if safe { options.libraries = .safe }
        if let memoryLimit { options.limits.memoryBytes = memoryLimit * 1_048_576 }
        return options
    }
}
