/// The hot path of the worker channel: a task may report progress thousands of times a second,
/// so `progress` lines are read by a small scanner instead of the general JSON parser.
extension WorkerMessage {
    /// The `progress` message of `line`, or nil for any other line and for one the scanner does
    /// not handle (escapes in a string, nesting, unknown keys): those go to `init(jsonText:)`.
    static func progress(fromLine line: String) -> WorkerMessage? {
        var line = line
        return line.withUTF8 { bytes -> WorkerMessage? in
            var scanner = FlatObjectScanner(bytes: bytes)
            return scanner.progress()
        }
    }
}

/// Reads `{"key":value,...}` with string, number and null values only.
private struct FlatObjectScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func progress() -> WorkerMessage? {
        var isProgress = false
        var id: Int64?
        var fraction: Double?
        var message: String?
        guard next() == UInt8(ascii: "{") else { return nil }
        while true {
            guard let key = string() else { return nil }
            guard next() == UInt8(ascii: ":") else { return nil }
            switch key {
            case "t":
                guard string() == "progress" else { return nil }
                isProgress = true
            case "id":
                guard let n = number(), let integer = Int64(exactly: n) else { return nil }
                id = integer
            case "fraction":
                guard let n = number() else { return nil }
                fraction = n
            case "message":
                if peek() == UInt8(ascii: "n") {
                    guard literal("null") else { return nil }
                } else {
                    guard let s = string() else { return nil }
                    message = s
                }
            default:
                return nil
            }
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"):
                guard isProgress, let id, let fraction else { return nil }
                return .progress(id: id, fraction: fraction, message: message)
            default: return nil
            }
        }
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 }
    }

    private mutating func peek() -> UInt8? {
        skipSpace()
        return i < bytes.count ? bytes[i] : nil
    }

    private mutating func next() -> UInt8? {
        guard let byte = peek() else { return nil }
        i += 1
        return byte
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
        i += count
        return true
    }

    /// A string without escapes (nil when it has one: the general parser decodes those).
    private mutating func string() -> String? {
        guard next() == UInt8(ascii: "\"") else { return nil }
        let start = i
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                defer { i += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            case UInt8(ascii: "\\"):
                return nil
            default:
                i += 1
            }
        }
        return nil
    }

    private mutating func number() -> Double? {
        skipSpace()
        let start = i
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"):
                i += 1
            default:
                return start < i ? Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)) : nil
            }
        }
        return nil
    }
}
