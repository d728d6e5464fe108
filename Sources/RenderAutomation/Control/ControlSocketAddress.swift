#if canImport(Glibc)
import Glibc
#endif

/// Where the control channel of one process for one gallery database listens. The listener and
/// the client compute it the same way from the database path and the pid, so nothing needs to
/// be recorded: `<database folder>/control/<pid>.sock`, or, when that path does not fit in a
/// socket address (`sun_path` holds 107 bytes and a NUL), a Linux abstract socket named
/// `rscript-control-<hash of the database path>-<pid>`.
struct ControlSocketAddress: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// A socket file (removed at exit, replaced if a dead process left it).
        case file(String)
        /// A Linux abstract name (no file; it goes when the listening socket closes).
        case abstract(String)
    }

    let kind: Kind

    /// Bytes of a path that fit in `sun_path` with its terminating NUL.
    static let maximumPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    init(database: String, pid: Int32) {
        let canonical = Self.canonicalPath(of: database)
        let path = Self.controlFolder(forCanonical: canonical) + "/\(pid).sock"
        if path.utf8.count <= Self.maximumPathLength {
            kind = .file(path)
        } else {
            kind = .abstract("rscript-control-\(Self.fnv1a(canonical))-\(pid)")
        }
    }

    /// The folder of socket files beside `database`.
    static func controlFolder(of database: String) -> String {
        controlFolder(forCanonical: canonicalPath(of: database))
    }

    private static func controlFolder(forCanonical database: String) -> String {
        Environment.directory(of: database) + "/control"
    }

    /// The socket file, or nil for an abstract name.
    var path: String? {
        if case .file(let path) = kind { return path } else { return nil }
    }

    /// The socket file's path, or `@name` for an abstract name (as `ss -x` shows it).
    var description: String {
        switch kind {
        case .file(let path): return path
        case .abstract(let name): return "@" + name
        }
    }

    /// Calls `body` with the address as `bind(2)` and `connect(2)` take it.
    func withSocketAddress<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes: [UInt8]
        switch kind {
        case .file(let path): bytes = Array(path.utf8) + [0]
        case .abstract(let name): bytes = [0] + Array(name.utf8)  // no NUL: the length ends it
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes.prefix(raw.count))
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// The database path with its folder's symbolic links resolved and made absolute, so that
    /// `./rscript.db` and `/home/me/./rscript.db` name the same channel. The folder exists
    /// while a render is recorded in it; if it does not, the path is only made absolute.
    static func canonicalPath(of database: String) -> String {
        let folder = Environment.directory(of: database)
        let name = database.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? database
        if let resolved = realpath(folder, nil) {
            defer { free(resolved) }
            let real = String(cString: resolved)
            return (real == "/" ? "" : real) + "/" + name
        }
        if database.hasPrefix("/") { return database }
        guard let cwd = getcwd(nil, 0) else { return database }
        defer { free(cwd) }
        return String(cString: cwd) + "/" + database
    }

    /// FNV-1a, 64 bits, in hex: the same in every process (Swift's `Hasher` is seeded per run).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
