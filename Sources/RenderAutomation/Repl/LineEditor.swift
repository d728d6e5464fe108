// libedit's readline-compatible API keeps its settings in C globals; the REPL runs on one
// thread, so reaching them through a pre-concurrency import is sound here.
@preconcurrency import CEdit

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Line editing and history on a terminal, through libedit's `readline()`.
///
/// Only one editor should exist at a time: libedit's readline interface is process-wide.
/// Must be used on the thread that runs the REPL.
final class LineEditor: LineReader {
    /// The history file, or nil to keep history for this session only.
    let historyFile: String?
    private var lastEntry: String?

    /// How many lines the history file keeps.
    static let historyLimit: Int32 = 1000

    /// `interruptDescriptor`: what the SIGINT handler writes to (see `TerminalInput`).
    init(historyFile: String?, completer: ReplCompleter?, interruptDescriptor: Int32?) {
        self.historyFile = historyFile
        // libedit shows and returns what the locale's character set allows: use UTF-8 when the
        // environment does not say.
        if setlocale(LC_CTYPE, "") == nil || String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        rl_readline_name = UnsafePointer(strdup("rscript"))  // for `rscript:` lines in ~/.editrc
        TerminalInput.install(interruptDescriptor: interruptDescriptor)  // before rl_initialize
        rl_initialize()
        using_history()
        stifle_history(Self.historyLimit)
        if let historyFile { _ = read_history(historyFile) }  // a missing file is no error
        if let completer { CompletionHook.install(completer) }
    }

    deinit { CompletionHook.uninstall() }

    func readLine(prompt: String) -> LineInput {
        guard let raw = readline(prompt) else {
            // NULL for Ctrl-D, and for Ctrl-C (`TerminalInput` ends the read then).
            return ReplInterrupt.pending ? .interrupted : .endOfFile
        }
        defer { free(raw) }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }  // older libedit kept the newline
        return .line(line)
    }

    func addHistory(_ line: String) {
        guard !line.allSatisfy(\.isWhitespace), line != lastEntry else { return }
        lastEntry = line
        _ = add_history(line)
    }

    func saveHistory() {
        guard let historyFile else { return }
        _ = write_history(historyFile)  // holds at most `historyLimit` lines: the history is stifled
    }

    /// `$RSCRIPT_HISTORY`, else `~/.rscript_history`, else none (no home folder).
    static func defaultHistoryFile() -> String? {
        if let path = Environment.get("RSCRIPT_HISTORY") { return path.isEmpty ? nil : path }
        guard let home = Environment.get("HOME"), !home.isEmpty else { return nil }
        return home + "/.rscript_history"
    }
}
