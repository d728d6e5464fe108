/// Splits a process's output into lines on LF and on CR (renderers print progress with CR), and
/// keeps both the lines not yet read and a tail of the last ones.
///
/// Memory is bounded: at most `pendingCapacity` unread lines and `tailCapacity` tail lines, each
/// of at most `maxLineBytes` bytes (a renderer that prints megabytes without a newline keeps
/// only the first 64 KiB of that line here; the log file still gets every byte). Once
/// `release()` is called nothing more is kept.
struct OutputLines {
    static let tailCapacity = 1000
    static let pendingCapacity = 20_000
    static let maxLineBytes = 64 * 1024

    private var partial: [UInt8] = []
    private(set) var pending: [String] = []
    private(set) var droppedPending = 0
    private var tail: [String] = []
    private var tailStart = 0
    private var lastWasCR = false
    private(set) var isReleased = false

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !isReleased else { return }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                if lastWasCR && partial.isEmpty {
                    lastWasCR = false  // CRLF: the CR already ended the line
                    continue
                }
                endLine()
                lastWasCR = false
            case UInt8(ascii: "\r"):
                endLine()
                lastWasCR = true
            default:
                if partial.count < Self.maxLineBytes { partial.append(byte) }  // the rest: log file only
                lastWasCR = false
            }
        }
    }

    /// At EOF: a last line without a newline still counts.
    mutating func finish() {
        if !partial.isEmpty { endLine() }
    }

    /// Forgets every line and keeps none from now on (the process's owner is done with them).
    mutating func release() {
        self = OutputLines()
        isReleased = true
    }

    /// Lines held in memory (unread and tail), for checks that the buffers were given back.
    var heldLineCount: Int { pending.count + tail.count + (partial.isEmpty ? 0 : 1) }

    private mutating func endLine() {
        let line = String(decoding: partial, as: UTF8.self)
        partial.removeAll(keepingCapacity: partial.count <= 4096)
        if pending.count >= Self.pendingCapacity {
            pending.removeFirst(pending.count / 2)
            droppedPending += Self.pendingCapacity / 2
        }
        pending.append(line)
        if tail.count < Self.tailCapacity {
            tail.append(line)
        } else {
            tail[tailStart] = line
            tailStart = (tailStart + 1) % Self.tailCapacity
        }
    }

    /// The lines since the last call (and forgets them).
    mutating func takePending() -> [String] {
        let lines = pending
        pending.removeAll(keepingCapacity: true)
        return lines
    }

    /// Puts taken lines back in front of the unread ones.
    mutating func putBack(_ lines: [String]) {
        guard !isReleased else { return }
        pending.insert(contentsOf: lines, at: 0)
    }

    /// The last `n` lines, oldest first.
    func last(_ n: Int) -> [String] {
        let ordered = Array(tail[tailStart...] + tail[..<tailStart])
        return Array(ordered.suffix(max(0, n)))
    }
}
