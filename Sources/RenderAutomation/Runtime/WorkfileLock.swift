#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock(2)` on `WORKFILE.lock`, beside the workfile, held for a command's whole
/// read, modify and write (`rscript create`, `rscript publish`). Without it, two commands on
/// one workfile at once both read the old file and the second rename wins: the first one's
/// instance is lost although it reported success.
///
/// The lock file is kept (removing it would let a third process lock a new file while a second
/// still waits on the old one). The lock goes with the process, so a crash or `kill -9` never
/// leaves the workfile locked. Blocks while another process holds it, after calling `waiting`
/// once; `EINTR` retries.
public final class WorkfileLock {
    /// A lock file that cannot be opened or locked: the message has the path and the system's
    /// reason.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let lockPath: String
    private var descriptor: Int32

    /// Locks `workfile`, or returns nil when its folder does not exist (the command reports the
    /// missing folder itself, and there is nothing to race on).
    /// - Throws: `Failure` (`cannot lock the workfile shot.json: shot.json.lock: Permission denied`).
    public static func acquire(_ workfile: String, waiting: () -> Void = {}) throws -> WorkfileLock? {
        guard Environment.isDirectory(Environment.directory(of: workfile)) else { return nil }
        return try WorkfileLock(workfile, waiting: waiting)
    }

    private init(_ workfile: String, waiting: () -> Void) throws {
        lockPath = workfile + ".lock"
        descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure(workfile, lockPath, errno) }
        var told = false
        while flock(descriptor, LOCK_EX | (told ? 0 : LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK, !told {
                told = true
                waiting()
                continue
            }
            close(descriptor)
            throw Self.failure(workfile, lockPath, code)
        }
    }

    deinit { release() }

    /// Unlocks (closing the descriptor drops the lock). Idempotent.
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    private static func failure(_ workfile: String, _ lockPath: String, _ code: Int32) -> Failure {
        Failure(description: "cannot lock the workfile \(workfile): \(lockPath): \(String(cString: strerror(code)))")
    }
}
