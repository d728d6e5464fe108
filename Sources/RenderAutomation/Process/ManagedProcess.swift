import CProcess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A process rscript started, in its own process group, whose output the supervisor's I/O
/// thread drains into a log file and a line buffer (so a chatty renderer never blocks on a full
/// pipe). Shared between that thread and the runtime's loop, hence `Sendable`.
public final class ManagedProcess: Sendable {
    public let pid: Int32
    public let command: [String]
    public let logPath: String
    /// CLOCK_MONOTONIC seconds at spawn.
    public let startedAt: Double
    /// The write end of the message channel (fd -1 without one).
    let channel: ChannelWriter
    private let onMessage: (@Sendable (String) -> Void)?
    private let channelPartial = Mutex<[UInt8]>([])

    struct State {
        var lines = OutputLines()
        var exit: ExitStatus?
        var outputClosed = false
        var lastOutputAt: Double
        var finalCPUSeconds: Double?
        var peakRss = 0
        var exitWatchers: [@Sendable (ExitStatus) -> Void] = []
        var signalsSent: Set<Int32> = []
        var exitedAt: Double?
        var peakSampledAt = 0.0
    }

    let state: Mutex<State>

    init(pid: Int32, command: [String], logPath: String, startedAt: Double,
         channel: ChannelWriter = ChannelWriter(fd: -1, epollFD: -1, key: 0),
         onMessage: (@Sendable (String) -> Void)? = nil) {
        self.channel = channel
        self.onMessage = onMessage
        self.pid = pid
        self.command = command
        self.logPath = logPath
        self.startedAt = startedAt
        state = Mutex(State(lastOutputAt: startedAt))
    }

    /// The exit status, or nil while it runs.
    public var exitStatus: ExitStatus? { state.withLock { $0.exit } }

    /// Output lines that arrived since the last call.
    public func takeLines() -> [String] { state.withLock { $0.lines.takePending() } }

    /// Puts lines `takeLines()` returned back in front of the unread ones (they were refused).
    public func putBack(_ lines: [String]) { state.withLock { $0.lines.putBack(lines) } }

    /// The last `n` lines of output.
    public func tail(_ n: Int) -> [String] { state.withLock { $0.lines.last(n) } }

    /// Drops the buffered output lines (unread and tail) and keeps none from now on: the owner is
    /// done with them (a finished render). The log file is unaffected.
    public func releaseOutput() { state.withLock { $0.lines.release() } }

    /// Output lines held in memory (unread, tail and a partial line).
    public var heldLineCount: Int { state.withLock { $0.lines.heldLineCount } }

    /// Killed by a signal rscript did not send (an OOM kill, a crash, someone else's kill).
    public var diedOfUnexpectedSignal: Bool {
        state.withLock { state in
            guard let signal = state.exit?.signal else { return false }
            return !state.signalsSent.contains(signal)
        }
    }

    /// When the supervisor reaped it (CLOCK_MONOTONIC seconds), or nil while it runs.
    public var exitedAt: Double? { state.withLock { $0.exitedAt } }

    /// When output last arrived (CLOCK_MONOTONIC seconds).
    public var lastOutputAt: Double { state.withLock { $0.lastOutputAt } }

    /// The output pipe reached its end (everything the process wrote is in the log).
    public var isOutputClosed: Bool { state.withLock { $0.outputClosed } }

    /// CPU and memory: live from /proc while it runs, from the kernel's accounting once reaped.
    public func stats() -> ProcessStats {
        let snapshot = state.withLock { ($0.exit, $0.finalCPUSeconds, $0.peakRss) }
        if snapshot.0 == nil, let live = ProcessStats.read(pid: pid) {
            let peak = max(live.peakRss, snapshot.2)
            state.withLock { $0.peakRss = max($0.peakRss, peak) }
            return ProcessStats(cpuSeconds: live.cpuSeconds, rss: live.rss, peakRss: peak)
        }
        return ProcessStats(cpuSeconds: snapshot.1 ?? 0, rss: 0, peakRss: snapshot.2)
    }

    /// The peak resident memory, sampled from /proc at most every `maxAge` seconds (reading
    /// /proc for hundreds of renders every poll would cost more than the renders' polling).
    public func peakRss(maxAge: Double) -> Int {
        let now = MonotonicClock.now()
        let cached: Int? = state.withLock { state in
            if state.exit != nil || now - state.peakSampledAt < maxAge { return state.peakRss }
            state.peakSampledAt = now
            return nil
        }
        if let cached { return cached }
        guard let sampled = ProcessStats.readPeakRss(pid: pid) else { return state.withLock { $0.peakRss } }
        return state.withLock { state in
            state.peakRss = max(state.peakRss, sampled)
            return state.peakRss
        }
    }

    /// Calls `watcher` (on the supervisor's thread, or at once) when the process has exited.
    public func onExit(_ watcher: @escaping @Sendable (ExitStatus) -> Void) {
        let exited: ExitStatus? = state.withLock { state in
            if let exit = state.exit { return exit }
            state.exitWatchers.append(watcher)
            return nil
        }
        if let exited { watcher(exited) }
    }

    /// Sends `signal` to the whole process group (the renderer and whatever it started).
    /// Returns false when the group is already gone.
    @discardableResult
    public func signalGroup(_ signal: Int32) -> Bool {
        state.withLock { _ = $0.signalsSent.insert(signal) }
        if Glibc.kill(-pid, signal) == 0 { return true }
        // The leader may have exited and been reaped while children live on in its group; or
        // the group never formed: fall back to the process itself.
        if state.withLock({ $0.exit }) == nil { return Glibc.kill(pid, signal) == 0 }
        return false
    }

    deinit { closeChannel() }

    /// Closes the parent's end of the channel once what was sent is written: the child then
    /// reads EOF on fd 3.
    public func closeChannel() { channel.close() }

    /// Sends one line (a newline is added) to the child's fd 3 without blocking: what the pipe
    /// does not take now (a stopped child, a line over 64 KiB) is queued and written in order by
    /// the supervisor's I/O thread. False when the channel is closed or the child is gone.
    @discardableResult
    public func send(_ line: String) -> Bool {
        var data = Array(line.utf8)
        data.append(UInt8(ascii: "\n"))
        return channel.send(data)
    }

    /// Bytes sent to the child's fd 3 and not yet written to the pipe.
    public var unsentChannelBytes: Int { channel.pendingBytes }

    // MARK: Called by the supervisor's I/O thread

    func receivedMessages(_ bytes: UnsafeRawBufferPointer) {
        guard let onMessage else { return }
        let lines: [String] = channelPartial.withLock { partial in
            var lines: [String] = []
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    lines.append(String(decoding: partial, as: UTF8.self))
                    partial.removeAll(keepingCapacity: true)
                } else {
                    partial.append(byte)
                }
            }
            return lines
        }
        for line in lines { onMessage(line) }
    }

    func received(_ bytes: UnsafeRawBufferPointer, at now: Double) {
        state.withLock {
            $0.lines.append(bytes)
            $0.lastOutputAt = now
        }
    }

    func outputEnded() {
        state.withLock {
            $0.lines.finish()
            $0.outputClosed = true
        }
    }

    func exited(_ status: ExitStatus, usage: rusage) {
        let watchers: [@Sendable (ExitStatus) -> Void] = state.withLock { state in
            state.exit = status
            state.exitedAt = MonotonicClock.now()
            state.finalCPUSeconds = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
            // ru_maxrss is not used: posix_spawn's vfork-style child counts the parent's pages
            // until exec, so it reports rscript's own size. The peak comes from /proc samples.
            let watchers = state.exitWatchers
            state.exitWatchers = []
            return watchers
        }
        for watcher in watchers { watcher(status) }
    }
}
