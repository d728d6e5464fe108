#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one JSON writer core: string escaping, number formatting, layout and key order, for
/// every end. Two walkers drive it: `LuaJSONWriter` (a Lua value on the stack, with its cycle
/// and depth checks) and `JSONValue.jsonText` (a Swift tree, which can have neither a cycle nor
/// more depth than its reader or Lua allowed).
///
/// Failures throw a `JSONWriteError` without a place; the walker adds where it was.
struct JSONTextWriter {
    /// Deepest nesting of tables written.
    static let maxDepth = 1000

    let out: ByteBuffer
    /// Spaces per level; 0 writes everything on one line.
    let indent: Int
    /// What a NaN or an infinity becomes: an error (`json.encode`), or `null` (`JSONValue`,
    /// whose text must always come out).
    var nonFiniteAsNull = false

    init(out: ByteBuffer, indent: Int) {
        self.out = out
        self.indent = indent
    }

    // MARK: Scalars

    @inline(__always)
    func writeInteger(_ value: Int64) { out.appendInteger(value) }

    @inline(__always)
    func writeBool(_ value: Bool) { out.append(value ? "true" : "false") }

    @inline(__always)
    func writeNull() { out.append("null") }

    func writeDouble(_ value: Double) throws(JSONWriteError) {
        guard value.isFinite else {
            if nonFiniteAsNull { return writeNull() }
            throw JSONWriteError("cannot encode \(value.isNaN ? "NaN" : value < 0 ? "-inf" : "inf")")
        }
        // Swift's description is the shortest text that reads back as the same double.
        let text = value.description
        out.append(text)
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") }) {
            out.append(".0")  // keep floats floats: 3.0 is "3.0", not "3"
        }
    }

    /// Writes the string, escaped; throws unless it is UTF-8.
    func writeString(_ s: UnsafePointer<UInt8>, _ length: Int) throws(JSONWriteError) {
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
                    if n == 0 { throw JSONWriteError("invalid UTF-8 in string (byte \(k + 1))") }
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

    /// A Swift string, which is UTF-8 by construction, so it cannot fail.
    func writeString(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, !utf8.isEmpty else { return out.append("\"\"") }
            try? writeString(base, utf8.count)
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    // MARK: Layout

    /// Before an item of a container `depth` deep: the comma after the one before, and the line
    /// break and indentation.
    @inline(__always)
    func beginItem(first: Bool, depth: Int) {
        if !first { out.append(UInt8(ascii: ",")) }
        newline(depth)
    }

    /// Before an object's member: `beginItem`, then the key and its colon.
    func writeKey(_ key: UnsafePointer<UInt8>, _ length: Int, first: Bool, depth: Int) throws(JSONWriteError) {
        beginItem(first: first, depth: depth)
        try writeString(key, length)
        writeColon()
    }

    func writeKey(_ key: String, first: Bool, depth: Int) {
        beginItem(first: first, depth: depth)
        writeString(key)
        writeColon()
    }

    @inline(__always)
    private func writeColon() {
        out.append(UInt8(ascii: ":"))
        if indent > 0 { out.append(UInt8(ascii: " ")) }
    }

    /// Closes a container; `depth` is that of its parent. An empty one stays on one line: `[]`.
    @inline(__always)
    func close(_ bracket: UInt8, empty: Bool, depth: Int) {
        if !empty { newline(depth) }
        out.append(bracket)
    }

    @inline(__always)
    func newline(_ depth: Int) {
        guard indent > 0 else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(repeating: UInt8(ascii: " "), count: indent * depth)
    }

    // MARK: Key order

    /// The order of sorted keys: by bytes, a key before the longer keys it starts.
    @inline(__always)
    static func keyPrecedes(_ a: UnsafePointer<UInt8>, _ aLength: Int, _ b: UnsafePointer<UInt8>, _ bLength: Int) -> Bool {
        let c = memcmp(a, b, min(aLength, bLength))
        return c != 0 ? c < 0 : aLength < bLength
    }

    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

/// A value the writer cannot write, without its place (the walker adds it).
struct JSONWriteError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
