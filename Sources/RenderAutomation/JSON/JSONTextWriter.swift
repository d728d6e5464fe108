import LuaBridge

/// Numbers and strings.
extension JSONWriter {
    func writeDouble(_ value: Double) throws {
        guard value.isFinite else {
            throw failure("cannot encode \(value.isNaN ? "NaN" : value < 0 ? "-inf" : "inf")")
        }
        // Swift's description is the shortest text that reads back as the same double.
        let text = value.description
        out.append(text)
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") }) {
            out.append(".0")  // keep floats floats: 3.0 is "3.0", not "3"
        }
    }

    func writeString(_ s: UnsafePointer<UInt8>, _ length: Int) throws {
        out.reserve(length + 2)
        out.appendUnchecked(UInt8(ascii: "\""))
        var runStart = 0
        var k = 0
        while k < length {
            let c = s[k]
            if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                if c < 0x80 {
                    k += 1
                } else {
                    let n = UTF8Check.sequenceLength(s + k, available: length - k)
                    if n == 0 { throw failure("invalid UTF-8 in string (byte \(k + 1))") }
                    k += n
                }
                continue
            }
            out.append(s + runStart, count: k - runStart)
            switch c {
            case UInt8(ascii: "\""): out.append("\\\"")
            case UInt8(ascii: "\\"): out.append("\\\\")
            case 0x0A: out.append("\\n")
            case 0x0D: out.append("\\r")
            case 0x09: out.append("\\t")
            case 0x08: out.append("\\b")
            case 0x0C: out.append("\\f")
            default:
                let hex = Self.hexDigits
                out.append("\\u00")
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 0xF)])
            }
            k += 1
            runStart = k
        }
        out.append(s + runStart, count: length - runStart)
        out.append(UInt8(ascii: "\""))
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
