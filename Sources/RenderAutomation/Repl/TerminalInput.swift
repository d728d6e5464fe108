// libedit's readline-compatible API keeps its settings in C globals; the REPL runs on one
// thread, so reaching them through a pre-concurrency import is sound here.
@preconcurrency import CEdit

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The descriptor that the SIGINT handler writes to (the scheduler's mailbox eventfd), or -1.
nonisolated(unsafe) private var interruptDescriptor: Int32 = -1

/// How libedit reads keys in the REPL: `rl_getc_function`, installed before `rl_initialize`.
///
/// libedit's own reader gives up a line on Ctrl-C only when the signal cuts short a `read()`
/// it is blocked in; a Ctrl-C that lands while it is busy echoing the previous keys is lost,
/// and the line goes on (in the tty's cooked mode). This reader waits in `poll()` on the
/// terminal and on the descriptor the SIGINT handler writes to, and checks the handler's count
/// before every key, so a Ctrl-C always ends the line: it returns -1, which libedit takes as
/// the end of input, and `readline()` returns NULL with the count set.
///
/// It also decodes UTF-8 itself and hands libedit whole characters, whatever the C locale.
enum TerminalInput {
    static func install(interruptDescriptor descriptor: Int32?) {
        interruptDescriptor = descriptor ?? -1
        rl_getc_function = readKey
    }
}

private let readKey: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { _ in
    guard let first = nextByte(startingKey: true) else { return -1 }
    let length: Int
    switch first {
    case 0..<0x80: return Int32(first)
    case 0xC0..<0xE0: length = 2
    case 0xE0..<0xF0: length = 3
    case 0xF0..<0xF8: length = 4
    default: return 0xFFFD
    }
    var bytes = [first]
    while bytes.count < length, let next = nextByte(startingKey: false) {
        guard next & 0xC0 == 0x80 else { return 0xFFFD }
        bytes.append(next)
    }
    let scalar = String(decoding: bytes, as: UTF8.self).unicodeScalars.first
    return Int32(scalar?.value ?? 0xFFFD)
}

/// The next byte from the terminal, or nil at end of input or, before a key, on Ctrl-C.
private func nextByte(startingKey: Bool) -> UInt8? {
    while true {
        if startingKey && ReplInterrupt.pending { return nil }
        var descriptors = [
            pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
            pollfd(fd: interruptDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&descriptors, interruptDescriptor >= 0 ? 2 : 1, -1)
        // A Ctrl-C that came while waiting has been handled by now (before `poll` returned);
        // what was typed after it stays unread, for the next line.
        if startingKey && ReplInterrupt.pending { return nil }
        if ready < 0 {
            if errno == EINTR { continue }  // some other signal
            return nil
        }
        if interruptDescriptor >= 0, descriptors[1].revents != 0, !ReplInterrupt.pending {
            // Work posted to the loop's mailbox, not a Ctrl-C: the loop takes the work itself
            // when it next runs, so the wake-up can go.
            var counter: UInt64 = 0
            _ = read(interruptDescriptor, &counter, 8)
        }
        if descriptors[0].revents != 0 {
            var byte: UInt8 = 0
            let count = read(0, &byte, 1)
            if count == 1 {
                // A Ctrl-C handled as `read` returned came after this key: the key belongs to
                // the line the Ctrl-C cancels.
                if startingKey && ReplInterrupt.pending { return nil }
                return byte
            }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            return nil
        }
    }
}
