#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Reads lines from standard input when it is not a terminal: no editing, no history and no
/// prompts, so `echo 'print(1 + 1)' | rscript repl` prints just `2`.
///
/// Reads through C's `stdin`, the stream Lua's `io.read` uses too, so a chunk that reads input
/// takes the lines that follow it.
final class PlainLineReader: LineReader {
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0

    deinit { free(buffer) }

    func readLine(prompt: String) -> LineInput {
        let count = getline(&buffer, &capacity, stdin)
        guard count >= 0, let buffer else { return .endOfFile }
        var bytes = UnsafeRawBufferPointer(start: buffer, count: count)
        if bytes.last == UInt8(ascii: "\n") { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
        if bytes.last == UInt8(ascii: "\r") { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
        return .line(String(decoding: bytes, as: UTF8.self))
    }

    func addHistory(_ line: String) {}
    func saveHistory() {}
}
