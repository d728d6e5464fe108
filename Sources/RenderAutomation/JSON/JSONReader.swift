/// The one JSON reader: tokenizing, strings, numbers, the depth limit and error positions, for
/// every end (see `JSONSink`). RFC 8259; one value, surrounding whitespace allowed.
///
/// Numbers without a fraction or exponent are integers (floats when they do not fit in 64 bits),
/// others floats. Strings must be UTF-8. Failures throw a `JSONReadError` with the position;
/// errors the sink throws (a memory limit) pass through.
struct JSONReader<Sink: JSONSink> {
    /// The text; `p[count]` must be a NUL (Lua puts one after every string), which the scanners
    /// use as an end sentinel.
    let p: UnsafePointer<UInt8>
    let count: Int
    var sink: Sink
    /// Deepest nesting of arrays and objects accepted.
    let maxDepth: Int
    /// Scratch space for strings with escapes.
    let scratch: ByteBuffer
    /// What a key seen twice in one object does.
    var duplicateKeys: JSONDuplicateKeys = .last
    /// Whether a `\u` escape of an unpaired surrogate reads as U+FFFD instead of failing (what
    /// `JSONValue`'s reader has always done).
    var replacesLoneSurrogates = false
    var i = 0

    init(p: UnsafePointer<UInt8>, count: Int, sink: Sink, maxDepth: Int, scratch: ByteBuffer) {
        self.p = p
        self.count = count
        self.sink = sink
        self.maxDepth = maxDepth
        self.scratch = scratch
    }

    /// Parses the whole text; its value is then the sink's value on top.
    mutating func parseDocument() throws {
        try parseValue()
        skipWhitespace()
        if i < count { throw unexpected() }
    }

    // MARK: Values

    /// The arrays and objects being filled, innermost last. Parsing is a loop over this
    /// explicit stack rather than recursion, so deep nesting costs no native stack.
    private enum Open {
        /// An array and how many items it has so far.
        case array(Int64)
        /// An object; the key being filled starts at `keyOffset`.
        case object(keyOffset: Int)
    }

    /// Parses one value (with everything nested in it) and gives it to the sink.
    private mutating func parseValue() throws {
        var open: [Open] = []
        while true {
            // A value starts here: a scalar is given whole; a container is opened, and the
            // loop goes on with its first item.
            skipWhitespace()
            var opened = false
            switch p[i] {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                let isObject = p[i] == UInt8(ascii: "{")
                try enter(depth: open.count + 1)
                i += 1
                if isObject { sink.beginObject() } else { sink.beginArray() }
                skipWhitespace()
                if p[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    if isObject { sink.endObject() } else { sink.endArray() }
                } else if isObject {
                    open.append(.object(keyOffset: i))
                    try parseKey()
                    opened = true
                } else {
                    open.append(.array(0))
                    opened = true
                }
            case UInt8(ascii: "\""): try parseString()
            case UInt8(ascii: "t"):
                try literal("true")
                sink.bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                sink.bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                sink.null()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try parseNumber()
            default:
                throw unexpected()
            }
            if opened { continue }

            // A value is complete: store it in the innermost container; then either the next
            // item starts, or the container is complete too.
            while true {
                try sink.didStoreValue()
                guard let innermost = open.last else { return }
                switch innermost {
                case .array(let n):
                    sink.storeItem(n + 1)
                    open[open.count - 1] = .array(n + 1)
                case .object(let keyOffset):
                    if duplicateKeys != .last, let key = sink.settleDuplicateKey(duplicateKeys) {
                        throw error("duplicate key \"\(key)\"", at: keyOffset)
                    }
                    sink.storeMember()  // a repeated key: the last one wins
                }
                skipWhitespace()
                let c = p[i]
                if c == UInt8(ascii: ",") {
                    i += 1
                    if case .object = innermost {
                        skipWhitespace()
                        open[open.count - 1] = .object(keyOffset: i)
                        try parseKey()
                    }
                    break
                }
                if case .object = innermost {
                    guard c == UInt8(ascii: "}") else { throw unexpected() }
                    sink.endObject()
                } else {
                    guard c == UInt8(ascii: "]") else { throw unexpected() }
                    sink.endArray()
                }
                i += 1
                open.removeLast()
            }
        }
    }

    /// Parses `"key" :` and gives the key.
    private mutating func parseKey() throws {
        skipWhitespace()
        guard p[i] == UInt8(ascii: "\"") else { throw unexpected() }
        try parseString()
        skipWhitespace()
        guard p[i] == UInt8(ascii: ":") else { throw unexpected() }
        i += 1
    }

    private mutating func enter(depth: Int) throws {
        if depth > maxDepth || !sink.hasRoomToOpen() {
            throw error("nesting deeper than \(maxDepth) levels")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let start = i
        let w = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount {
            guard p[i] == w[k] else {
                var failure = unexpected()
                failure.wordStart = start
                throw failure
            }
            i += 1
        }
    }

    // MARK: Numbers

    private mutating func parseNumber() throws {
        let start = i
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        if p[i] == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(p[i]) {
            while isDigit(p[i]) { i += 1 }
        } else {
            throw unexpected()
        }
        var isFloat = false
        if p[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(p[i]) else { throw unexpected() }
            while isDigit(p[i]) { i += 1 }
            isFloat = true
        }
        if p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(p[i]) else { throw unexpected() }
            while isDigit(p[i]) { i += 1 }
            isFloat = true
        }
        if !isFloat, let value = integer(from: start + (negative ? 1 : 0), to: i, negative: negative) {
            sink.integer(value)
        } else {
            sink.float(p + start, count: i - start)
        }
    }

    /// The decimal digits `p[from..<to]` as an Int64, or nil if they overflow it.
    private func integer(from: Int, to: Int, negative: Bool) -> Int64? {
        if to - from > 19 { return nil }
        var magnitude: UInt64 = 0
        for k in from..<to {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(p[k] &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            magnitude = sum
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return nil }
            return Int64(bitPattern: 0 &- magnitude)
        }
        return magnitude > UInt64(Int64.max) ? nil : Int64(magnitude)
    }

    @inline(__always)
    private func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    // MARK: Whitespace and errors

    @inline(__always)
    private mutating func skipWhitespace() {
        while true {
            switch p[i] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): i += 1
            default: return
            }
        }
    }

    /// "unexpected character 'x'" (or end of input) at the current position.
    func unexpected() -> JSONReadError {
        if i >= count { return error("unexpected end of input", at: count) }
        let c = p[i]
        if c >= 0x80 {
            let n = UTF8Check.sequenceLength(p + i, available: count - i)
            if n > 0 {
                let text = String(decoding: UnsafeBufferPointer(start: p + i, count: n), as: UTF8.self)
                return error("unexpected character '\(text)'")
            }
        }
        return error("unexpected character '\(display(c))'")
    }

    /// A byte as an error message shows it: itself if printable ASCII, else `\xNN`.
    func display(_ c: UInt8) -> String {
        if c >= 0x20 && c < 0x7F { return String(UnicodeScalar(c)) }
        let hex = Array("0123456789ABCDEF".utf8)
        return "\\x" + String(decoding: [hex[Int(c >> 4)], hex[Int(c & 0xF)]], as: UTF8.self)
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONReadError {
        let offset = min(offset ?? i, count)
        var line = 1
        var column = 1
        for k in 0..<offset {
            let c = p[k]
            if c == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if c & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
                column += 1
            }
        }
        return JSONReadError(message: message, offset: offset, line: line, column: column)
    }
}
