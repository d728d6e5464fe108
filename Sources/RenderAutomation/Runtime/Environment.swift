#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small process-environment helpers (no Foundation on the start-up path).
public enum Environment {
    public static func get(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// The real path of the running executable.
    public static var executablePath: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func fileExists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The folder part of a path ("." when there is none).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The installation's Lua library folder: `$RSCRIPT_HOME/scripts/lib`, else the nearest
    /// `scripts/lib` (a source checkout) or `share/rscript/lib` (an install) above the executable.
    public static func libraryDirectory() -> String? {
        if let home = get("RSCRIPT_HOME") {
            for candidate in [home + "/scripts/lib", home + "/lib", home] where isDirectory(candidate + "/rscript") {
                return candidate
            }
        }
        guard var dir = executablePath.map(directory(of:)) else { return nil }
        while true {
            for candidate in [dir + "/scripts/lib", dir + "/share/rscript/lib"] where isDirectory(candidate + "/rscript") {
                return candidate
            }
            if dir == "/" || dir.isEmpty { return nil }
            dir = directory(of: dir)
        }
    }
}
