/// Strings: UTF-8 checked, escapes decoded, given straight from the text when they have no
/// escapes.
extension JSONReader {
    /// Parses the string at `p[i]` (an opening quote) and gives it to the sink.
    mutating func parseString() throws {
        i += 1
        let start = i
        // Fast path: no escapes, given straight from the text.
        while true {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                sink.string(p + start, count: i - start)
                i += 1
                return
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw badStringByte() }
            if c >= 0x80 {
                try skipUTF8()
            } else {
                i += 1
            }
        }
        // Slow path: copy what was scanned, then decode escapes into the scratch buffer.
        scratch.reset()
        scratch.append(p + start, count: i - start)
        while true {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                sink.string(scratch.base, count: scratch.count)
                i += 1
                return
            }
            if c == UInt8(ascii: "\\") {
                try parseEscape()
            } else if c < 0x20 {
                throw badStringByte()
            } else if c >= 0x80 {
                let from = i
                try skipUTF8()
                scratch.append(p + from, count: i - from)
            } else {
                scratch.append(c)
                i += 1
            }
        }
    }

    private mutating func skipUTF8() throws {
        let n = UTF8Check.sequenceLength(p + i, available: count - i)
        if n == 0 { throw error("invalid UTF-8 in string") }
        i += n
    }

    private func badStringByte() -> JSONReadError {
        i >= count ? error("unexpected end of input") : error("control character in string")
    }

    private mutating func parseEscape() throws {
        let escapeStart = i
        i += 1
        let c = p[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(c)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                let pairStart = i
                if p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = pairStart  // the next escape is read on its own
                        scalar = try loneSurrogate(at: escapeStart)
                    }
                } else {
                    scalar = try loneSurrogate(at: escapeStart)
                }
            } else if (0xDC00...0xDFFF).contains(scalar) {
                scalar = try loneSurrogate(at: escapeStart)
            }
            appendUTF8(scalar)
        default:
            if i - 1 >= count { throw error("unexpected end of input", at: count) }
            throw error("invalid escape '\\\(display(c))' in string", at: escapeStart)
        }
    }

    /// U+FFFD for an unpaired surrogate, where the reader is lenient; else the error.
    private func loneSurrogate(at escapeStart: Int) throws -> UInt32 {
        guard replacesLoneSurrogates else { throw error("invalid \\u escape (unpaired surrogate)", at: escapeStart) }
        return 0xFFFD
    }

    private mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default:
                if i >= count { throw error("unexpected end of input", at: count) }
                throw error("invalid \\u escape (4 hex digits expected)")
            }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }

    private func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
