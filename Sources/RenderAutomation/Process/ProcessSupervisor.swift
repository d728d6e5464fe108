import CProcess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Starts processes and watches them from one I/O thread: an epoll set over every process's
/// output pipe and its pidfd. Output goes to the process's log file and line buffer as it
/// arrives; an exit is noticed the moment the kernel reports it (the pidfd turns readable), the
/// child is reaped with its resource usage, and the process's watchers run.
public final class ProcessSupervisor: Sendable {
    public static let shared = ProcessSupervisor()

    public struct SpawnError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    private struct Entry: @unchecked Sendable {
        let process: ManagedProcess
        var pipeFD: Int32
        var pidFD: Int32
        let logFD: Int32
        var channelFD: Int32 = -1
    }

    private let epollFD: Int32
    private let wakeFD: Int32
    private let entries = Mutex<[UInt64: Entry]>([:])
    private let nextKey = Atomic<UInt64>(1)
    private let started = Mutex(false)
    /// Processes watched without a pidfd (an old kernel): only then does the I/O thread poll.
    private let withoutPidfd = Atomic<Int>(0)

    private static let pidTag: UInt64 = 1 << 63
    private static let channelTag: UInt64 = 1 << 62
    /// The parent's end of a channel turned writable (queued messages to write).
    private static let outputTag: UInt64 = 1 << 61

    private init() {
        epollFD = rscript_epoll_create()
        wakeFD = rscript_process_eventfd()
    }

    /// Spawns `command` (argv; the program is looked up in PATH). `environment` nil inherits.
    /// Output (stdout and stderr together) is appended to `logPath`.
    /// With `channel`, the child also gets a message channel (it reads fd 3, writes fd 4): lines
    /// it writes to fd 4 go to `onMessage` on the I/O thread; `ManagedProcess.send` writes to fd 3.
    public func spawn(
        _ command: [String],
        environment: [String]?,
        directory: String?,
        logPath: String,
        channel: Bool = false,
        onMessage: (@Sendable (String) -> Void)? = nil
    ) throws -> ManagedProcess {
        guard let program = command.first, !program.isEmpty else {
            throw SpawnError(description: "empty command")
        }
        if let directory, !Environment.isDirectory(directory) {
            throw SpawnError(description: "cannot run '\(program)': working directory \(directory) does not exist")
        }
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else {
            throw SpawnError(description: "cannot open log file \(logPath): \(String(cString: strerror(errno)))")
        }
        startThreadIfNeeded()
        var pid: pid_t = 0
        var pipeFD: Int32 = -1
        var toChild: Int32 = -1
        var fromChild: Int32 = -1
        let status = withCStrings(command) { argv in
            withOptionalCStrings(environment) { envp in
                channel
                    ? rscript_spawn_with_channel(argv, envp, directory, &pid, &pipeFD, &toChild, &fromChild)
                    : rscript_spawn(argv, envp, directory, &pid, &pipeFD)
            }
        }
        if status != 0 {
            close(logFD)
            throw SpawnError(description: "cannot run '\(program)': \(String(cString: strerror(status)))")
        }
        let key = nextKey.wrappingAdd(1, ordering: .relaxed).oldValue
        let process = ManagedProcess(
            pid: pid, command: command, logPath: logPath, startedAt: MonotonicClock.now(),
            channel: ChannelWriter(fd: toChild, epollFD: epollFD, key: key | Self.outputTag), onMessage: onMessage)
        let pidFD = rscript_pidfd_open(pid)
        if pidFD < 0 { withoutPidfd.add(1, ordering: .relaxed) }
        entries.withLock { $0[key] = Entry(process: process, pipeFD: pipeFD, pidFD: pidFD, logFD: logFD, channelFD: fromChild) }
        rscript_epoll_add(epollFD, pipeFD, key)
        if fromChild >= 0 { rscript_epoll_add(epollFD, fromChild, key | Self.channelTag) }
        if pidFD >= 0 {
            rscript_epoll_add(epollFD, pidFD, key | Self.pidTag)
        } else {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)  // the I/O thread must switch to polling
        }
        return process
    }

    private func startThreadIfNeeded() {
        let shouldStart = started.withLock { started in
            defer { started = true }
            return !started
        }
        guard shouldStart else { return }
        rscript_epoll_add(epollFD, wakeFD, 0)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            let supervisor = Unmanaged<ProcessSupervisor>.fromOpaque(context!).takeRetainedValue()
            supervisor.ioLoop()
            return nil
        }, context)
        pthread_detach(thread)
    }

    private func ioLoop() {
        var keys = [UInt64](repeating: 0, count: 64)
        var buffer = [UInt8](repeating: 0, count: 65536)
        // Exits are only visible through pidfds; without them (old kernels) poll every 50 ms.
        while true {
            let timeout: Int32 = withoutPidfd.load(ordering: .relaxed) > 0 ? 50 : -1
            let count = rscript_epoll_wait(epollFD, &keys, Int32(keys.count), timeout)
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            for i in 0..<Int(count) {
                let key = keys[i]
                if key == 0 {
                    var counter: UInt64 = 0
                    _ = read(wakeFD, &counter, 8)
                    continue
                }
                if key & Self.outputTag != 0 {
                    flushChannel(key: key & ~Self.outputTag)
                } else if key & Self.channelTag != 0 {
                    readChannel(key: key & ~Self.channelTag, buffer: &buffer)
                } else if key & Self.pidTag != 0 {
                    handleExit(key: key & ~Self.pidTag, buffer: &buffer)
                } else {
                    drain(key: key, buffer: &buffer)
                }
            }
            if withoutPidfd.load(ordering: .relaxed) > 0 { reapWithoutPidfd(buffer: &buffer) }
        }
    }

    private func drain(key: UInt64, buffer: inout [UInt8]) {
        guard let entry = entries.withLock({ $0[key] }), entry.pipeFD >= 0 else { return }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(entry.pipeFD, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.withUnsafeBytes { bytes in
                    let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<n])
                    writeAll(entry.logFD, chunk)  // a full disk must not stop the draining
                    entry.process.received(chunk, at: MonotonicClock.now())
                }
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if n < 0 && errno == EINTR { continue }
            // EOF (or an error): the output is over.
            rscript_epoll_remove(epollFD, entry.pipeFD)
            close(entry.pipeFD)
            entry.process.outputEnded()
            finishIfDone(key: key, closingPipe: true)
            return
        }
    }

    private func flushChannel(key: UInt64) {
        entries.withLock { $0[key] }?.process.channel.flush()
    }

    private func readChannel(key: UInt64, buffer: inout [UInt8]) {
        guard let entry = entries.withLock({ $0[key] }), entry.channelFD >= 0 else { return }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(entry.channelFD, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.withUnsafeBytes { entry.process.receivedMessages(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if n < 0 && errno == EINTR { continue }
            rscript_epoll_remove(epollFD, entry.channelFD)
            close(entry.channelFD)
            entries.withLock { $0[key]?.channelFD = -1 }
            finishIfDone(key: key, closingPipe: false)
            return
        }
    }

    private func handleExit(key: UInt64, buffer: inout [UInt8]) {
        guard let entry = entries.withLock({ $0[key] }) else { return }
        var code: Int32 = 0
        var usage = rusage()
        guard rscript_reap(entry.process.pid, &code, &usage) == 1 else { return }
        rscript_epoll_remove(epollFD, entry.pidFD)
        close(entry.pidFD)
        entries.withLock { $0[key]?.pidFD = -1 }
        // What the process wrote just before exiting is read before anyone hears of the exit.
        drain(key: key, buffer: &buffer)
        readChannel(key: key, buffer: &buffer)
        entry.process.channel.peerGone()
        entry.process.exited(ExitStatus(code: code), usage: usage)
        finishIfDone(key: key, closingPipe: false)
    }

    private func reapWithoutPidfd(buffer: inout [UInt8]) {
        let keys = entries.withLock { $0.filter { $0.value.pidFD < 0 && $0.value.process.exitStatus == nil }.map(\.key) }
        for key in keys {
            guard let entry = entries.withLock({ $0[key] }) else { continue }
            var code: Int32 = 0
            var usage = rusage()
            if rscript_reap(entry.process.pid, &code, &usage) == 1 {
                withoutPidfd.subtract(1, ordering: .relaxed)
                drain(key: key, buffer: &buffer)
                entry.process.channel.peerGone()
                entry.process.exited(ExitStatus(code: code), usage: usage)
                finishIfDone(key: key, closingPipe: false)
            }
        }
    }

    private func finishIfDone(key: UInt64, closingPipe: Bool) {
        let done: Entry? = entries.withLock { entries in
            if closingPipe { entries[key]?.pipeFD = -1 }
            guard let entry = entries[key], entry.pipeFD < 0, entry.channelFD < 0, entry.process.exitStatus != nil else { return nil }
            entries[key] = nil
            return entry
        }
        if let done { close(done.logFD) }
    }

    /// Processes still running (for a last-resort kill at shutdown).
    public var running: [ManagedProcess] {
        entries.withLock { $0.values.map(\.process).filter { $0.exitStatus == nil } }
    }
}

func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}

func withOptionalCStrings<R>(_ strings: [String]?, _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    guard let strings else { return body(nil) }
    return withCStrings(strings) { body($0) }
}
