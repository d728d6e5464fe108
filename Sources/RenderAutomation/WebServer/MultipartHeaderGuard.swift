#if canImport(Glibc)
import Glibc
#endif

/// Follows a multipart body alongside multipart-kit's parser and stops a byte above 0x7F in a
/// part's header *name* before the parser sees it: multipart-kit 4.7.1 looks such a byte up in
/// a 128-entry table and traps (found by tools' web fuzz run, WebServerClientTests). Header
/// values may hold UTF-8 (file names), so only names are checked.
struct MultipartHeaderGuard {
    private enum Position {
        /// In a part's body (or the preamble), `matched` bytes into the delimiter.
        case body(matched: Int)
        /// After a delimiter, up to the end of its line.
        case delimiterLine
        case headerName(empty: Bool)
        case headerValue
        /// After the blank line that ends the headers, before its `\n`.
        case headersEnd
        /// After the closing delimiter: nothing more is parsed.
        case epilogue
    }

    /// `\r\n--BOUNDARY`: a boundary cannot hold CR or LF (RFC 2046), so `\r` starts it only.
    private let delimiter: [UInt8]
    /// The body starts with `--BOUNDARY`, as if a CRLF came before it.
    private var position = Position.body(matched: 2)
    private var afterDelimiter: [UInt8] = []

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// False when `bytes` puts a non-ASCII byte in a header name.
    mutating func check(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            switch position {
            case .body(let matched):
                if matched == 0 {
                    // Most of a body is not a delimiter: jump to the next CR.
                    guard let base = bytes.baseAddress,
                          let found = memchr(base + index, 0x0D, count - index) else { return true }
                    index = base.distance(to: UnsafeRawPointer(found))
                }
                let byte = bytes[index]
                if byte == delimiter[matched] {
                    if matched + 1 == delimiter.count {
                        position = .delimiterLine
                        afterDelimiter = []
                    } else {
                        position = .body(matched: matched + 1)
                    }
                } else {
                    position = .body(matched: byte == 0x0D ? 1 : 0)
                }
            case .delimiterLine:
                let byte = bytes[index]
                afterDelimiter.append(byte)
                if afterDelimiter.count == 2 && afterDelimiter == [0x2D, 0x2D] {
                    position = .epilogue
                } else if byte == 0x0A {
                    position = .headerName(empty: true)
                }
            case .headerName(let empty):
                let byte = bytes[index]
                if byte == 0x3A && !empty {
                    position = .headerValue
                } else if byte == 0x0D && empty {
                    position = .headersEnd
                } else if byte > 0x7F {
                    return false
                } else {
                    position = .headerName(empty: false)
                }
            case .headerValue:
                if bytes[index] == 0x0A { position = .headerName(empty: true) }
            case .headersEnd:
                position = .body(matched: 0)
            case .epilogue:
                return true
            }
            index += 1
        }
        return true
    }
}
