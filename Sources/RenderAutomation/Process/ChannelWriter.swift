import CProcess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The parent's end of a child's message channel (its fd 3), written without ever blocking the
/// caller: a stopped child or a message larger than the pipe (64 KiB) must not stall the loop.
/// What the pipe does not take at once is queued, in order, and the supervisor's I/O thread
/// writes it when epoll reports the pipe writable (`flush()`).
final class ChannelWriter: Sendable {
    private struct State {
        var fd: Int32
        var queue: [UInt8] = []
        /// Bytes of `queue` already written.
        var sent = 0
        /// Registered for EPOLLOUT with the supervisor.
        var watching = false
        /// `close()` came while bytes were queued: close once they are written.
        var closeWhenFlushed = false
    }

    private let state: Mutex<State>
    private let epollFD: Int32
    private let key: UInt64

    /// `fd` non-blocking (-1 for none); `key` is what epoll reports when it turns writable.
    init(fd: Int32, epollFD: Int32, key: UInt64) {
        state = Mutex(State(fd: fd))
        self.epollFD = epollFD
        self.key = key
    }

    deinit { state.withLock { if $0.fd >= 0 { Glibc.close($0.fd) } } }

    /// Bytes queued and not yet written.
    var pendingBytes: Int { state.withLock { $0.queue.count - $0.sent } }

    /// Queues `bytes` after anything queued and writes what the pipe takes now. False when the
    /// channel is closed or the child is gone (nothing is queued then).
    func send(_ bytes: [UInt8]) -> Bool {
        state.withLock { state in
            guard state.fd >= 0, !state.closeWhenFlushed else { return false }
            state.queue.append(contentsOf: bytes)
            guard !state.watching else { return true }  // the I/O thread writes it in order
            if !write(&state) { return false }
            if state.sent < state.queue.count {
                state.watching = true
                rscript_epoll_add_output(epollFD, state.fd, key)
            }
            return true
        }
    }

    /// On the supervisor's I/O thread, when the pipe is writable: writes what it takes.
    func flush() {
        state.withLock { state in
            guard state.fd >= 0 else { return }
            guard write(&state) else { return }
            if state.sent == state.queue.count {
                stopWatching(&state)
                if state.closeWhenFlushed { closeNow(&state) }
            }
        }
    }

    /// Closes the channel (the child reads EOF) once everything queued is written.
    func close() {
        state.withLock { state in
            guard state.fd >= 0 else { return }
            if state.sent == state.queue.count { closeNow(&state) } else { state.closeWhenFlushed = true }
        }
    }

    /// The child is gone: what is queued can never be read.
    func peerGone() {
        state.withLock { closeNow(&$0) }
    }

    /// Writes from `sent` until the pipe is full or the queue empty; false (and closed) when
    /// the child is gone.
    private func write(_ state: inout State) -> Bool {
        while state.sent < state.queue.count {
            let n = state.queue.withUnsafeBytes { bytes in
                Glibc.write(state.fd, bytes.baseAddress! + state.sent, bytes.count - state.sent)
            }
            if n > 0 {
                state.sent += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            closeNow(&state)  // EPIPE: the reader closed its end
            return false
        }
        if state.sent == state.queue.count {
            state.queue.removeAll(keepingCapacity: state.queue.count <= 1 << 20)
            state.sent = 0
        } else if state.sent >= 1 << 16 && state.sent * 2 >= state.queue.count {
            state.queue.removeFirst(state.sent)  // keep the queue to what is still unsent
            state.sent = 0
        }
        return true
    }

    private func stopWatching(_ state: inout State) {
        guard state.watching else { return }
        rscript_epoll_remove(epollFD, state.fd)
        state.watching = false
    }

    private func closeNow(_ state: inout State) {
        guard state.fd >= 0 else { return }
        stopWatching(&state)
        Glibc.close(state.fd)
        state.fd = -1
        state.queue = []
        state.sent = 0
        state.closeWhenFlushed = false
    }
}
