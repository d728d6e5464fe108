import ArgumentParser
import RenderAutomation

struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Start an interactive Lua prompt.",
        discussion: """
            Like lua5.4's prompt: an expression prints its values, an unfinished chunk \
            continues on the next line (>>), and an error prints with a traceback while the \
            prompt goes on. Chunks run as tasks, so they may wait \
            (require("rscript.time").sleep(1)). Line editing, history and Tab completion come \
            from libedit; type :help at the prompt for more. When standard input is not a \
            terminal, lines are read without prompts: echo 'print(1 + 1)' | rscript repl

            Environment:
              RSCRIPT_HISTORY   the history file (default ~/.rscript_history; empty: none)
            """
    )

    @Option(help: ArgumentHelp(
        "Keep the line history in FILE (default: $RSCRIPT_HISTORY, else ~/.rscript_history).",
        valueName: "FILE"))
    var history: String?

    @Flag(help: "Keep no history file.")
    var noHistory = false

    @OptionGroup var runtimeOptions: RuntimeFlags

    mutating func run() throws {
        var options = runtimeOptions.runtimeOptions()
        if options.scriptDirectory == nil { options.scriptDirectory = "." }
        let runtime: ScriptRuntime
        do {
            runtime = try ScriptRuntime(options: options)
        } catch {
            StandardError.write("rscript: \(error)\n")
            throw ExitCode(1)
        }
        var replOptions = ReplOptions(historyFile: history)
        replOptions.savesHistory = !noHistory
        let status = Repl(runtime: runtime, options: replOptions).run()
        if status != 0 { throw ExitCode(status) }
    }
}
