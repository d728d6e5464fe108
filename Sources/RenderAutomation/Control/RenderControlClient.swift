#if canImport(Glibc)
import Glibc
#endif

/// Sends a command to a live render in another rscript process, through that process's
/// control channel (docs/control.md): a Unix socket beside the gallery database,
/// `<database folder>/control/<pid>.sock` (an abstract socket when that path is too long).
///
///     let pid = snapshot.pid!  // the gallery records which process runs each render
///     try RenderControlClient().send(.click(render: 12, x: 0.5, y: 0.25), toProcess: pid, database: store.path)
///
/// `send` blocks the calling thread (at most `timeout` seconds): call it off any event loop, and
/// never on a runtime's loop thread, since a render of that same runtime is served on its loop
/// (it would answer `timedOut`). It needs no Lua state and no runtime. The channel is local to
/// the host: a pid recorded by another machine sharing the database is not reachable.
///
/// It throws `RenderControlError` only. For the REST API (`POST /api/v1/renders/{id}/stop`,
/// `/click`), its kinds map to:
///
/// | kind          | HTTP | when                                                          |
/// |---------------|------|---------------------------------------------------------------|
/// | `processGone` | 409  | the process that owned the render is dead                     |
/// | `notRunning`  | 409  | the process is alive, the render is not live in it (ended)    |
/// | `noChannel`   | 502  | the process is alive and has no socket to connect to          |
/// | `refused`     | 502  | the listener refused the command (its message says why)       |
/// | `timedOut`    | 504  | no answer in time, or the process's loop was busy             |
///
/// A render whose gallery state is not `rendering` needs no call: answer 409 from the state.
public struct RenderControlClient: Sendable {
    public init() {}

    /// Sends `command` to process `pid`'s control channel for the gallery at `database` and
    /// waits for its answer. Returns the answer's JSON object (`{"ok":true}`; later commands
    /// may put more in it). Throws `RenderControlError` (see the table above).
    @discardableResult
    public func send(_ command: RenderControlCommand, toProcess pid: Int32, database: String,
                     timeout: Double = 2) throws -> JSONValue {
        let render = command.render
        guard ProcessLiveness.isAlive(pid) else { throw RenderControlError.processGone(render: render, pid: pid) }
        let address = ControlSocketAddress(database: database, pid: pid)
        let deadline = MonotonicClock.now() + timeout
        let fd = UnixSocket.make()
        guard fd >= 0 else {
            throw RenderControlError(.noChannel, render: render, pid: pid, message: "cannot make a socket: \(UnixSocket.errorText)")
        }
        defer { close(fd) }
        // Before connect: on Linux a Unix socket's connect waits for room in a full backlog for
        // as long as the send timeout, and then fails with EAGAIN.
        UnixSocket.setSendTimeout(fd, seconds: max(timeout, 0.001))
        if address.withSocketAddress({ connect(fd, $0, $1) }) != 0 {
            let reason = UnixSocket.errorText
            // The process may have died since the check above; that is the better answer.
            guard ProcessLiveness.isAlive(pid) else { throw RenderControlError.processGone(render: render, pid: pid) }
            throw RenderControlError(.noChannel, render: render, pid: pid,
                                     message: "process \(pid), which owns render \(render), has no control channel (\(address): \(reason))")
        }
        // A send that fails may still leave an answer to read (a listener with too many clients
        // answers before it reads), so the answer is read either way.
        let sent = UnixSocket.send(fd, Array((command.jsonValue.jsonText + "\n").utf8))
        let line: [UInt8]
        switch UnixSocket.readLine(fd, limit: ControlListener.maximumLineLength, deadline: deadline) {
        case .line(let bytes):
            line = bytes
        case .timedOut where sent:
            throw RenderControlError(.timedOut, render: render, pid: pid,
                                     message: "process \(pid) did not answer within \(SecondsText.exact(timeout)) (render \(render))")
        case .timedOut, .tooLong, .closed, .failed:
            guard ProcessLiveness.isAlive(pid) else { throw RenderControlError.processGone(render: render, pid: pid) }
            throw RenderControlError(.noChannel, render: render, pid: pid,
                                     message: "process \(pid) closed its control channel without answering (render \(render))")
        }
        return try Self.read(answer: String(decoding: line, as: UTF8.self), render: render, pid: pid)
    }

    /// The answer line as a JSON object, or the error it carries.
    static func read(answer line: String, render: Int64, pid: Int32) throws -> JSONValue {
        guard let answer = try? JSONValue(jsonText: line), case .bool(let ok)? = answer["ok"] else {
            throw RenderControlError(.refused, render: render, pid: pid,
                                     message: "process \(pid) answered something that is not a control answer: \(line.prefix(200))")
        }
        if ok { return answer }
        let message = answer["error"]?.stringValue ?? "process \(pid) refused the command"
        switch answer["code"]?.stringValue.flatMap(ControlAnswer.Code.init(rawValue:)) {
        case .notRunning?: throw RenderControlError(.notRunning, render: render, pid: pid, message: message)
        case .busy?: throw RenderControlError(.timedOut, render: render, pid: pid, message: message)
        default: throw RenderControlError(.refused, render: render, pid: pid, message: message)
        }
    }
}
