import LuaBridge

/// JSON text for `JSONValue`, through the one reader and writer core (`JSONReader`,
/// `JSONTextWriter`): compact, keys sorted, integers without a fraction and floats always with
/// one (`2` vs `2.0`), so the kind survives a round trip.
extension JSONValue {
    /// Deep enough for any data Lua can hand over (`LuaState.maxDataDepth`) inside the few
    /// levels of a worker message or a database record around it: a shallower limit here made
    /// a deep pool result unreadable, and its message was lost.
    static let maximumReadDepth = LuaState.maxDataDepth + 16

    /// Parses JSON text (RFC 8259; one value, surrounding whitespace allowed). A number with a
    /// fraction or exponent, or one outside Int64, becomes `.double`; others `.int`. A key seen
    /// twice keeps its last value; a `\u` escape of an unpaired surrogate reads as U+FFFD.
    /// Throws `JSONValue.ParseError` with the byte offset of the problem.
    public init(jsonText: String) throws {
        var bytes = Array(jsonText.utf8)
        let count = bytes.count
        bytes.append(0)  // the reader's end sentinel
        let scratch = ByteBuffer(capacity: 256)
        self = try bytes.withUnsafeBufferPointer { text in
            var reader = JSONReader(p: text.baseAddress!, count: count, sink: JSONValueSink(),
                                    maxDepth: Self.maximumReadDepth, scratch: scratch)
            reader.replacesLoneSurrogates = true
            do {
                try reader.parseDocument()
            } catch let failure as JSONReadError {
                throw ParseError(message: failure.message, offset: failure.wordStart ?? failure.offset)
            }
            return reader.sink.result
        }
    }

    /// The compact JSON text of this value, keys sorted. Non-finite floats, which JSON cannot
    /// hold, are written `null`.
    public var jsonText: String { text(indent: 0) }

    /// The JSON text with two-space indentation, keys sorted (for people).
    public var prettyJSONText: String { text(indent: 2) }

    /// A malformed JSON text.
    public struct ParseError: Error, CustomStringConvertible, Sendable, Equatable {
        public var message: String
        /// Byte offset in the UTF-8 text.
        public var offset: Int
        public var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    private func text(indent: Int) -> String {
        let out = ByteBuffer()
        var writer = JSONTextWriter(out: out, indent: indent)
        writer.nonFiniteAsNull = true
        write(to: writer, depth: 0)
        return String(decoding: UnsafeBufferPointer(start: out.base, count: out.count), as: UTF8.self)
    }

    /// The walker of the `JSONValue` end: recursive, as the tree is finite and no deeper than
    /// its reader or Lua allowed.
    private func write(to writer: JSONTextWriter, depth: Int) {
        switch self {
        case .null: writer.writeNull()
        case .bool(let b): writer.writeBool(b)
        case .int(let i): writer.writeInteger(i)
        case .double(let d): try? writer.writeDouble(d)  // cannot fail: non-finite is null
        case .string(let s): writer.writeString(s)
        case .array(let a):
            writer.out.append(UInt8(ascii: "["))
            for (n, element) in a.enumerated() {
                writer.beginItem(first: n == 0, depth: depth + 1)
                element.write(to: writer, depth: depth + 1)
            }
            writer.close(UInt8(ascii: "]"), empty: a.isEmpty, depth: depth)
        case .object(let o):
            writer.out.append(UInt8(ascii: "{"))
            for (n, key) in o.keys.sorted(by: JSONTextWriter.keyPrecedes).enumerated() {
                writer.writeKey(key, first: n == 0, depth: depth + 1)
                o[key]!.write(to: writer, depth: depth + 1)
            }
            writer.close(UInt8(ascii: "}"), empty: o.isEmpty, depth: depth)
        }
    }
}
