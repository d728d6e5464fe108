/// How a process ended: its exit code, or the signal that killed it (negative, as Python's
/// `Popen.returncode`).
public struct ExitStatus: Sendable, Equatable, CustomStringConvertible {
    /// The exit code (0...255), or `-signal`.
    public var code: Int32

    public var signal: Int32? { code < 0 ? -code : nil }
    public var succeeded: Bool { code == 0 }

    public var description: String {
        if let signal { return "killed by \(SignalName.name(of: signal))" }
        return "exited with status \(code)"
    }
}

/// Signal names and numbers, as users write them (`"TERM"`, `"SIGTERM"`, `15`).
public enum SignalName {
    static let table: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("BUS", 7), ("FPE", 8),
        ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14), ("TERM", 15),
        ("CHLD", 17), ("CONT", 18), ("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22), ("XCPU", 24),
        ("XFSZ", 25), ("VTALRM", 26), ("PROF", 27), ("WINCH", 28), ("IO", 29), ("PWR", 30), ("SYS", 31),
    ]

    public static func name(of signal: Int32) -> String {
        table.first { $0.1 == signal }.map { "SIG" + $0.0 } ?? "signal \(signal)"
    }

    public static func number(of name: String) -> Int32? {
        var key = name.uppercased()
        if key.hasPrefix("SIG") { key.removeFirst(3) }
        if let n = Int32(key), n > 0, n < 65 { return n }
        return table.first { $0.0 == key }?.1
    }
}
