#if canImport(Glibc)
import Glibc
#endif

/// Writes all of `bytes` to `fd`, retrying after a signal (EINTR) and after a short write.
/// Returns false when the descriptor takes no more (a closed pipe, a full disk): callers that
/// print progress or drain a child's output go on regardless, so this never throws.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        offset += n
    }
    return true
}

/// Writes all of `text`'s UTF-8 to `fd` (see `writeAll(_:_:)` for bytes).
@discardableResult
func writeAll(_ fd: Int32, _ text: String) -> Bool {
    var text = text
    return text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
}
