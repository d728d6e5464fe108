import ArgumentParser
import RenderAutomation

/// Runs a command written in Lua (`scripts/lib/rscript/cli/<name>.lua`): the Swift side parses
/// the command line (so `--help` and usage errors are ArgumentParser's), the Lua side does the
/// work with the same libraries plugins use. The parsed options reach `main(options)` as one
/// JSON object; the exit status is what the driver sets with `rscript.setExitStatus`.
enum LuaCommandDriver {
    /// `locking`: a workfile the command reads, changes and writes; it is locked
    /// (`WorkfileLock`) for the whole command, so two commands on it at once both land.
    static func run(_ module: String, options: JSONValue, locking workfile: String? = nil) throws {
        var lock: WorkfileLock?
        if let workfile {
            do {
                lock = try WorkfileLock.acquire(workfile) {
                    StandardError.write("rscript: waiting for another rscript to finish with \(workfile)\n")
                }
            } catch {
                StandardError.write("rscript: \(error)\n")
                throw ExitCode(1)
            }
        }
        defer { lock?.release() }
        let code = """
            local options = require("rscript.json").decode((...))
            return require("rscript.cli.\(module)").main(options)
            """
        var runtimeOptions = RuntimeOptions.fromEnvironment()
        runtimeOptions.scriptDirectory = "."
        let status = ScriptLauncher.run(.code(code), arguments: [options.jsonText], options: runtimeOptions)
        if status != 0 { throw ExitCode(status) }
    }
}

extension JSONValue {
    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
    static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
}
