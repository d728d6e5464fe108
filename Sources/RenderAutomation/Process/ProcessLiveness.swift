#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a process id names a live process (for orphaned renders).
enum ProcessLiveness {
    /// `kill(pid, 0)`: alive when it succeeds or when the process exists but belongs to another
    /// user (EPERM). A zombie counts as alive until reaped.
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }

    static var current: Int32 { getpid() }
}
