import ArgumentParser
import RenderAutomation
#if canImport(Glibc)
import Glibc
#endif

@main
struct RScript: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rscript",
        abstract: "A scripting-driven render automation runtime: Lua 5.4 plugins, jobs and renders.",
        discussion: """
            Examples:
              rscript run my_script.lua ARG...   run a Lua script (arguments in `arg`)
              rscript -e 'print(1 + 1)'          run a line of Lua
              echo 'print(2)' | rscript run -    run a script read from standard input
              rscript repl                       an interactive Lua prompt

            Environment:
              RSCRIPT_PATH       extra `require` search patterns (?.lua, separated by ;)
              RSCRIPT_HOME       the installation folder holding scripts/lib
              RSCRIPT_LOG_LEVEL  trace|debug|info|notice|warning|error|critical (info)
            """,
        version: RenderAutomationVersion.string,
        subcommands: RScript.commands
    )

    /// `rscript run [--safe] [--memory-limit MB] FILE ARGS...` goes straight to the launcher, with the
    /// same defaults and environment as the parsed path: ArgumentParser's reflection is a third
    /// of the start-up, and its positional parsing is quadratic in the number of arguments
    /// (100,000 script arguments took minutes; lua5.4 takes them at once).
    static func main() {
        let arguments = CommandLine.arguments
        if arguments.count >= 3, arguments[1] == "run" {
            switch RunFastPath.parse(arguments.dropFirst(2)) {
            case .run(let options, let file, let scriptArguments):
                let source: ScriptLauncher.Source = file == "-" ? .standardInput : .file(file)
                let status = ScriptLauncher.run(source, arguments: scriptArguments, options: options,
                                                renderArguments: ScriptRenderFlags.parser(file: file))
                Glibc.exit(status)
            case .usage(let message):
                StandardError.write(message)
                Glibc.exit(64)
            case .notMine:
                break
            }
        }
        main(nil)
    }

    @Option(name: .customShort("e"), help: ArgumentHelp("Run CODE as a Lua chunk, then exit.", valueName: "CODE"))
    var execute: String?

    @OptionGroup var runtimeOptions: RuntimeFlags

    mutating func run() throws {
        guard let execute else {
            print(RScript.helpMessage())
            return
        }
        let status = ScriptLauncher.run(.code(execute), arguments: [], options: runtimeOptions.runtimeOptions())
        if status != 0 { throw ExitCode(status) }
    }
}
