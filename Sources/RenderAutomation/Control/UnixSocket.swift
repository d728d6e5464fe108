#if canImport(Glibc)
import Glibc
#endif

/// The few socket calls the control channel makes, with their errors as messages.
enum UnixSocket {
    /// A new stream socket, closed on exec (renderer processes must not inherit it).
    static func make() -> Int32 {
        socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    static var errorText: String { String(cString: strerror(errno)) }

    enum LineRead: Equatable {
        /// The line without its newline (the peer may also end it by closing its side).
        case line([UInt8])
        /// `limit` bytes came without a newline.
        case tooLong
        /// The deadline passed first.
        case timedOut
        /// The peer closed without sending anything.
        case closed
        /// `read` failed (errno's words).
        case failed(String)
    }

    /// Reads bytes up to the first newline, at most `limit` of them, until `deadline`
    /// (`MonotonicClock` seconds). Bytes after the newline are ignored.
    static func readLine(_ fd: Int32, limit: Int, deadline: Double) -> LineRead {
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline - MonotonicClock.now()
            guard left > 0 else { return .timedOut }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32((left * 1000).rounded(.up)))
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { return .failed(errorText) }
            if ready == 0 { return .timedOut }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n < 0 { return .failed(errorText) }
            if n == 0 { return line.isEmpty ? .closed : .line(line) }
            if let newline = chunk[..<n].firstIndex(of: UInt8(ascii: "\n")) {
                line.append(contentsOf: chunk[..<newline])
                return line.count > limit ? .tooLong : .line(line)
            }
            line.append(contentsOf: chunk[..<n])
            if line.count > limit { return .tooLong }
        }
    }

    /// Writes all of `bytes`, retrying after a signal; false when the peer is gone or the send
    /// timeout passed. MSG_NOSIGNAL: a peer that closed must not kill this process with SIGPIPE
    /// (the CLI commands have no runtime that ignores it).
    @discardableResult
    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// The user id of the process at the other end (SO_PEERCRED), or nil if it cannot be read.
    static func peerUID(_ fd: Int32) -> uid_t? {
        // struct ucred: pid, uid, gid (Glibc hides the struct without _GNU_SOURCE).
        var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else { return nil }
        return credentials.1
    }

    /// Limits each `write` to `seconds` (the answers are small; a peer that never reads must
    /// still not hold a thread).
    static func setSendTimeout(_ fd: Int32, seconds: Double) {
        var time = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }
}
