import Foundation
import LuaBridge
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// This process's control channel for one gallery database: a Unix socket (see
/// `ControlSocketAddress`) on which other processes (`rscript gallery stop`, `rscript serve`)
/// send commands for the renders that run here. One per database per process, opened by the
/// first render recorded there and kept until the process exits (a command for a render that
/// ended then gets "render N is not running in process P", which says more than no socket).
///
/// - Threads: a thread of its own binds and accepts; each connection is served on a thread of
///   its own (at most `maximumConnections` at once; more are told the channel is busy), which
///   reads one line (`readTimeout` at most, `maximumLineLength` bytes at most), posts the
///   command to the render's loop through its mailbox and waits `loopTimeout` at most for the
///   answer. The loop only runs the command, never waits for a client.
/// - Access: the socket file is 0600 in a 0700 folder; an abstract socket has no file
///   permissions, so every connection's peer credentials are checked too (same user or root).
/// - Cleanup: socket files go at exit (`atexit`); one left by a killed process is replaced by
///   the next process with its pid, or removed by the next listener in the folder.
final class ControlListener: Sendable {
    static let readTimeout = 2.0
    /// Below the client's default timeout (2 s), so that a busy loop is reported as such.
    static let loopTimeout = 1.5
    static let maximumLineLength = 65_536
    static let maximumConnections = 16

    let address: ControlSocketAddress
    let pid: Int32
    /// The loop of each render offered and not yet withdrawn.
    private let routes = Mutex<[Int64: Mailbox]>([:])
    private let connections = Atomic<Int>(0)

    /// The listeners of this process, by canonical database path.
    private static let listeners = Mutex<[String: ControlListener]>([:])
    /// Socket files to remove at exit.
    private static let socketFiles = Mutex<[String]>([])

    private init(address: ControlSocketAddress, pid: Int32) {
        self.address = address
        self.pid = pid
    }

    /// Routes commands for render `id` to `mailbox`'s loop, starting this process's listener for
    /// `database` if it has none. Returns at once (the socket is bound on the listener's
    /// thread); a listener that cannot bind reports why once, on the loop, as a warning.
    static func offer(render id: Int64, database: String, mailbox: Mailbox) -> ControlListener {
        let canonical = ControlSocketAddress.canonicalPath(of: database)
        let (listener, isNew) = listeners.withLock { listeners -> (ControlListener, Bool) in
            if let existing = listeners[canonical] { return (existing, false) }
            let pid = ProcessLiveness.current
            let made = ControlListener(address: ControlSocketAddress(database: canonical, pid: pid), pid: pid)
            listeners[canonical] = made
            return (made, true)
        }
        listener.routes.withLock { $0[id] = mailbox }
        if isNew {
            Thread.detachNewThread { listener.listen(reportingTo: mailbox) }
        }
        return listener
    }

    /// Stops routing commands for render `id` (it ended).
    func withdraw(render id: Int64) {
        routes.withLock { $0[id] = nil }
    }

    // MARK: Listening

    private func listen(reportingTo mailbox: Mailbox) {
        let fd: Int32
        do {
            fd = try bind()
        } catch {
            let message = "rscript: warning: no control channel (`rscript gallery stop` and `click` cannot reach this process's renders): \(error)"
            mailbox.post { scheduler in ScriptRuntime.of(scheduler.state)?.errorReporter(message) }
            return
        }
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO, EAGAIN:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    usleep(100_000)  // out of descriptors or memory for a moment
                    continue
                default:
                    let message = "rscript: warning: the control channel \(address) stopped: \(UnixSocket.errorText)"
                    mailbox.post { scheduler in ScriptRuntime.of(scheduler.state)?.errorReporter(message) }
                    close(fd)
                    return
                }
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)  // (Glibc's Swift module has no accept4)
            if connections.wrappingAdd(1, ordering: .relaxed).newValue > Self.maximumConnections {
                UnixSocket.setSendTimeout(client, seconds: 0.1)
                UnixSocket.send(client, Array(ControlAnswer.failure(.busy, "the control channel of process \(pid) has \(Self.maximumConnections) clients already; try again").jsonLine.utf8))
                close(client)
                connections.wrappingSubtract(1, ordering: .relaxed)
                continue
            }
            Thread.detachNewThread { [self] in
                serve(client)
                close(client)
                connections.wrappingSubtract(1, ordering: .relaxed)
            }
        }
    }

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes the socket, bound and listening. For a socket file: its folder (0700), a stale
    /// file of this pid replaced, the files of dead processes removed, the file made 0600.
    private func bind() throws -> Int32 {
        if let path = address.path {
            let folder = Environment.directory(of: path)
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw SetupError(description: "cannot create the folder \(folder): \(UnixSocket.errorText)")
            }
            Self.removeStaleSockets(in: folder, except: pid)
            // This pid's file can only be a dead process's: nothing else in this process binds it.
            unlink(path)
        }
        let fd = UnixSocket.make()
        guard fd >= 0 else { throw SetupError(description: "cannot make a socket: \(UnixSocket.errorText)") }
        let bound = address.withSocketAddress { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else {
            let reason = UnixSocket.errorText
            close(fd)
            throw SetupError(description: "cannot listen on \(address): \(reason)")
        }
        if let path = address.path {
            Self.removeAtExit(path)
            chmod(path, 0o600)
        }
        guard Glibc.listen(fd, 64) == 0 else {
            let reason = UnixSocket.errorText
            close(fd)
            throw SetupError(description: "cannot listen on \(address): \(reason)")
        }
        return fd
    }

    /// Removes `PID.sock` files whose process is gone.
    private static func removeStaleSockets(in folder: String, except ownPid: Int32) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasSuffix(".sock") {
            guard let pid = Int32(name.dropLast(5)), pid != ownPid, !ProcessLiveness.isAlive(pid) else { continue }
            unlink(folder + "/" + name)
        }
    }

    private static func removeAtExit(_ path: String) {
        let first = socketFiles.withLock { files in
            files.append(path)
            return files.count == 1
        }
        if first { atexit { ControlListener.removeSocketFiles() } }
    }

    static func removeSocketFiles() {
        for path in socketFiles.withLock({ $0 }) { unlink(path) }
    }

    // MARK: Serving one connection

    private func serve(_ fd: Int32) {
        UnixSocket.setSendTimeout(fd, seconds: 1)
        guard let answer = answer(fd) else { return }
        UnixSocket.send(fd, Array(answer.jsonLine.utf8))
    }

    /// The answer to the connection's line; nil when the client went away without sending one.
    private func answer(_ fd: Int32) -> ControlAnswer? {
        let read = UnixSocket.readLine(fd, limit: Self.maximumLineLength, deadline: MonotonicClock.now() + Self.readTimeout)
        // Checked after the read: a client whose line was not read yet may find the connection
        // reset when it writes, and never see the answer.
        guard let uid = UnixSocket.peerUID(fd), uid == getuid() || uid == 0 else {
            return .failure(.denied, "the control channel of process \(pid) takes commands from its own user only")
        }
        switch read {
        case .line(let bytes):
            do {
                return apply(try RenderControlCommand(jsonLine: String(decoding: bytes, as: UTF8.self)))
            } catch {
                return .failure(.badRequest, "\(error)")
            }
        case .tooLong:
            return .failure(.badRequest, "the command is longer than \(Self.maximumLineLength) bytes")
        case .timedOut:
            return .failure(.badRequest, "no command (one JSON line) came within \(SecondsText.exact(Self.readTimeout))")
        case .closed, .failed:
            return nil
        }
    }

    /// Runs `command` on its render's loop and waits for the answer (`loopTimeout` at most).
    func apply(_ command: RenderControlCommand) -> ControlAnswer {
        let pid = self.pid
        guard let mailbox = routes.withLock({ $0[command.render] }) else {
            return RenderManager.notRunning(command.render, pid: pid)
        }
        let slot = AnswerSlot()
        mailbox.post { scheduler in
            slot.fill(ScriptRuntime.of(scheduler.state)?.renders.apply(command) ?? RenderManager.notRunning(command.render, pid: pid))
        }
        return slot.wait(seconds: Self.loopTimeout)
            ?? .failure(.busy, "process \(pid) did not take the command within \(SecondsText.exact(Self.loopTimeout)) (its loop is busy)")
    }

    /// The loop's answer, handed to the connection's thread.
    private final class AnswerSlot: Sendable {
        private let answer = Mutex<ControlAnswer?>(nil)
        private let filled = DispatchSemaphore(value: 0)

        func fill(_ value: ControlAnswer) {
            answer.withLock { $0 = value }
            filled.signal()
        }

        func wait(seconds: Double) -> ControlAnswer? {
            guard filled.wait(timeout: .now() + seconds) == .success else { return nil }
            return answer.withLock { $0 }
        }
    }
}
