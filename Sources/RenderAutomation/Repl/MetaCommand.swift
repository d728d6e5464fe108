/// The REPL's own commands: a line that starts with `:` and a letter (`::label::` is Lua).
enum MetaCommand: Equatable {
    case help
    case quit
    /// Runs the loop until no task, timer or hold is left (Ctrl-C stops waiting).
    case wait
    case unknown(String)

    init?(line: String) {
        let trimmed = line.drop(while: \.isWhitespace)
        guard trimmed.hasPrefix(":"), let second = trimmed.dropFirst().first, second.isLetter else { return nil }
        let word = trimmed.dropFirst().prefix(while: { !$0.isWhitespace })
        switch word {
        case "help", "h", "?": self = .help
        case "quit", "q", "exit": self = .quit
        case "wait": self = .wait
        default: self = .unknown(String(word))
        }
    }

    static let helpText = """
        Type Lua statements or expressions; the values of an expression are printed
        (=expr works too). Tables print nested to 3 levels, keys sorted, cycles marked as <cycle>
        and long ones elided; require("rscript.inspect")(t, {depth = 6}) shows more.
        A chunk that is not finished yet continues on the next line (prompt >>).
        Each line runs as its own chunk, so `local` variables do not outlive it: use globals.
        Chunks run as tasks, so they may wait: require("rscript.time").sleep(1) works.
        Tasks spawned with rscript.task run while a chunk runs, and during :wait.

          :help    this text
          :wait    run pending tasks and timers until none is left (Ctrl-C stops waiting)
          :quit    leave (also Ctrl-D on an empty line)

        Tab completes globals, table fields (string.fo -> string.format) and methods after ':'.
        Ctrl-C clears the line at the prompt and interrupts a running chunk.
        """
}
