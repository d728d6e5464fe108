/// What reading one line of input gave.
enum LineInput: Equatable {
    /// A line, without its newline.
    case line(String)
    /// Ctrl-C at the prompt: the line typed so far is dropped.
    case interrupted
    /// Ctrl-D on an empty line, or the end of piped input.
    case endOfFile
}

/// Where the REPL gets its lines: libedit on a terminal (`LineEditor`), plain reads otherwise
/// (`PlainLineReader`).
protocol LineReader: AnyObject {
    /// Reads one line, showing `prompt` if the reader shows prompts at all.
    func readLine(prompt: String) -> LineInput
    /// Records a line the user entered, for recall with the arrow keys.
    func addHistory(_ line: String)
    /// Writes the history out (at exit).
    func saveHistory()
}
