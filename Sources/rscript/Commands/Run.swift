import ArgumentParser
import RenderAutomation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Lua script.",
        discussion: """
            The script gets its arguments in the global table `arg` (arg[0] is the script) and
            as `...`, as with lua5.4. After the main chunk returns, rscript keeps running until
            nothing is pending (tasks waiting on timers or processes). Ctrl-C stops cleanly:
            stop hooks run, then the exit status is 130. A script error prints
            `file:line: message` and a traceback and exits with status 1.
            """
    )

    @Argument(help: ArgumentHelp("The Lua script to run, or - to read it from standard input.", valueName: "FILE"))
    var script: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments passed to the script.")
    var arguments: [String] = []

    @OptionGroup var runtimeOptions: RuntimeFlags

    mutating func run() throws {
        let source: ScriptLauncher.Source = script == "-" ? .standardInput : .file(script)
        let status = ScriptLauncher.run(source, arguments: arguments, options: runtimeOptions.runtimeOptions(),
                                        renderArguments: ScriptRenderFlags.parser(file: script))
        if status != 0 { throw ExitCode(status) }
    }
}
