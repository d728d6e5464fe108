#if canImport(Glibc)
import Glibc
#endif

/// Reads the small text files of `/proc/PID` (`stat`, `status`), which the kernel makes in one
/// read: the job queue's process identity and the render's CPU and memory figures share it.
enum ProcFile {
    /// The bytes of a /proc file (one read, up to 4 KiB); nil when it cannot be read, as when
    /// the process is gone.
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return Array(buffer[0..<n])
    }

    /// The fields of `/proc/PID/stat` after the command name: `[0]` is field 3 (state), `[1]`
    /// field 4 (ppid), and so on (field N is `[N - 3]`). The name is in parentheses and may hold
    /// spaces and parentheses itself, so the split starts after the last `)`. Nil when the
    /// process is gone.
    static func statFields(_ pid: Int32) -> [Substring]? {
        guard let bytes = read("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}
