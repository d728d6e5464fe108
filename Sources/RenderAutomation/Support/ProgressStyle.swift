#if canImport(Glibc)
import Glibc
#endif

/// How a progress printer shows a run: redrawn in place on a terminal (`live`), as plain lines
/// when the output is a file or a pipe (`plain`), or as JSON events for programs (`json`).
public enum ProgressStyle: Sendable {
    case live, plain, json

    /// `json` when asked, else `live` when stdout is a terminal, `plain` otherwise.
    public static func automatic(json: Bool) -> ProgressStyle {
        json ? .json : (isatty(1) != 0 ? .live : .plain)
    }
}
