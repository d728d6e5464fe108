import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// What `Pool.new{ workers = N, retries = R, log_dir = DIR }` was given (or `Pool.new(N)`).
struct PoolOptions {
    var workers = PoolOptions.cpuCount
    var retries = 2
    var logDirectory: String?

    struct Invalid: Error {
        var message: String
    }

    /// The number of online processors: the default pool size.
    static var cpuCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    init(_ value: LuaValue) throws {
        var options: [String: LuaValue] = [:]
        switch value {
        case .nil, .array([]): break
        case .int, .double: options["workers"] = value
        case .object(let o): options = o
        default:
            throw Invalid(message: "Pool.new: expected a table of options { workers = N, retries = N, log_dir = PATH }, got \(value.luaTypeName)")
        }
        for key in options.keys.sorted() where !["workers", "retries", "log_dir"].contains(key) {
            throw Invalid(message: "Pool.new: unknown option '\(key)' (expected workers, retries, log_dir)")
        }
        if let value = options["workers"] {
            guard let n = value.intValue, n > 0, n <= 4096 else {
                throw Invalid(message: "Pool.new: workers must be a positive integer, got \(Self.show(value))")
            }
            workers = Int(n)
        }
        if let value = options["retries"] {
            guard let n = value.intValue, n >= 0, n <= 1000 else {
                throw Invalid(message: "Pool.new: retries must be an integer >= 0, got \(Self.show(value))")
            }
            retries = Int(n)
        }
        if let value = options["log_dir"] {
            guard let path = value.stringValue, !path.isEmpty else {
                throw Invalid(message: "Pool.new: log_dir must be a folder path, got \(Self.show(value))")
            }
            if !Environment.isDirectory(path) {
                let made = mkdir(path, 0o755) == 0
                let code = errno  // before isDirectory's stat overwrites it
                guard made || Environment.isDirectory(path) else {
                    throw Invalid(message: "Pool.new: cannot create log_dir \(path): \(String(cString: strerror(code)))")
                }
            }
            logDirectory = path
        }
    }

    static func show(_ value: LuaValue) -> String {
        switch value {
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        default: return "a \(value.luaTypeName)"
        }
    }
}
