import CProcess

#if canImport(Glibc)
import Glibc
#endif

/// Runs one Slurm client command (`sbatch`, `squeue`, `scancel`, `scontrol`, `sinfo`) to its
/// end and returns what it printed. Blocking: the calling thread waits, reading the output as it
/// comes (stdout and stderr in one pipe, always drained to the end, so the child never blocks on
/// a full pipe), and reaps the child. A command still running after `timeout` seconds has its
/// process group killed. The client commands answer in milliseconds on a healthy cluster.
public struct SlurmCommand: Sendable {
    public struct Result: Sendable {
        /// The exit code, or -signal.
        public var code: Int32
        public var output: String
        public var succeeded: Bool { code == 0 }
        /// The output without trailing white space, for messages.
        public var message: String {
            var text = Substring(output)
            while let last = text.last, last.isWhitespace { text.removeLast() }
            return String(text)
        }
    }

    /// Why a command did not run to an exit code.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case notFound(String)
        case cannotStart(String, Int32)
        case timedOut(String, Double)

        public var description: String {
            switch self {
            case .notFound(let program): return "\(program) not found in PATH"
            case .cannotStart(let program, let error): return "cannot run \(program): \(String(cString: strerror(error)))"
            case .timedOut(let program, let seconds): return "\(program) did not answer in \(Int(seconds)) s"
            }
        }
    }

    /// Runs `argv` (the program is looked up in PATH).
    public static func run(_ argv: [String], timeout: Double = 30) throws -> Result {
        let program = argv.first ?? ""
        var pid: pid_t = 0
        var fd: Int32 = -1
        let status = withCStrings(argv) { rscript_spawn($0, nil, nil, &pid, &fd) }
        if status == ENOENT { throw Failure.notFound(program) }
        if status != 0 { throw Failure.cannotStart(program, status) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = MonotonicClock.now() + timeout
        var timedOut = false
        while true {
            let left = deadline - MonotonicClock.now()
            if left <= 0 {
                timedOut = true
                kill(-pid, SIGKILL)
                break
            }
            var item = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&item, 1, Int32(min(left, 1) * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += buffer[0..<n]
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                break
            }
        }
        var code: Int32 = 0
        var usage = rusage()
        while rscript_reap(pid, &code, &usage) == 0 { usleep(1000) }
        if timedOut { throw Failure.timedOut(program, timeout) }
        return Result(code: code, output: String(decoding: bytes, as: UTF8.self))
    }
}
