/// What is redrawn in place on a terminal: a block of whole lines (a render's bars), or one
/// status line the cursor stays at the end of. Output to anything else should not use it: it
/// writes ANSI control codes.
///
/// Redraws are throttled by the caller with `isDue(now:)`: at most ten a second, so that a
/// renderer printing hundreds of progress lines does not flood the terminal.
final class LiveLines {
    /// Carriage return, then erase the line: where every redrawn line starts.
    static let eraseLine = "\r\u{1B}[2K"

    private let fd: Int32
    private var drawnLines = 0
    private var lastDraw = -Double.infinity

    init(fd: Int32 = 1) { self.fd = fd }

    /// Whether a tenth of a second has passed since the last draw (for updates that may come
    /// often; events that change the picture draw at once).
    func isDue(now: Double) -> Bool { now - lastDraw >= 0.1 }

    /// Replaces the block drawn last with `lines`, each ending in a newline.
    func draw(_ lines: [String], now: Double = MonotonicClock.now()) {
        lastDraw = now
        var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
        for line in lines { text += Self.eraseLine + line + "\n" }
        drawnLines = lines.count
        writeAll(fd, text)
    }

    /// Erases the block drawn last, leaving the cursor where it started (for a line that
    /// should stay, printed before the block is drawn again).
    func clear() {
        guard drawnLines > 0 else { return }
        writeAll(fd, "\u{1B}[\(drawnLines)A\r\u{1B}[J")
        drawnLines = 0
    }

    /// Replaces the current line with `line`, without a newline.
    func drawStatus(_ line: String, now: Double = MonotonicClock.now()) {
        lastDraw = now
        writeAll(fd, Self.eraseLine + line)
    }

    /// Erases the current line (the status line) and returns to its start.
    func clearStatus() {
        writeAll(fd, Self.eraseLine)
    }
}
