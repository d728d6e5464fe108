#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to stderr and stdout, safe to use before exit.
public enum StandardError {
    public static func write(_ text: String) {
        writeAll(2, text)
    }
}
