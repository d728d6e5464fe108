/// Splits a process's output into lines on LF and on CR (renderers print progress with CR), and
/// keeps both the lines not yet read and a tail of the last ones.
struct OutputLines {
    static let tailCapacity = 1000
    static let pendingCapacity = 20_000

    private var partial: [UInt8] = []
    private(set) var pending: [String] = []
    private(set) var droppedPending = 0
    private var tail: [String] = []
    private var tailStart = 0
    private var lastWasCR = false

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
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
                partial.append(byte)
                lastWasCR = false
            }
        }
    }

    /// At EOF: a last line without a newline still counts.
    mutating func finish() {
        if !partial.isEmpty { endLine() }
    }

    private mutating func endLine() {
        let line = String(decoding: partial, as: UTF8.self)
        partial.removeAll(keepingCapacity: true)
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

    /// The last `n` lines, oldest first.
    func last(_ n: Int) -> [String] {
        let ordered = Array(tail[tailStart...] + tail[..<tailStart])
        return Array(ordered.suffix(max(0, n)))
    }
}
