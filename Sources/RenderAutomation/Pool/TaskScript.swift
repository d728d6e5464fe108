import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Where a task script named in `pool:map("render.lua", ...)` is: as given (absolute, or
/// relative to the current folder), else beside the file that made the call, else in the
/// running script's folder.
enum TaskScript {
    typealias Invalid = PoolOptions.Invalid

    static func resolve(_ call: LuaCall, position: Int32, callerSource: String?, runtime: ScriptRuntime, operation: String) throws -> String {
        guard call.luaType(position) == .string else {
            throw Invalid(message: "bad argument #1 to '\(operation)' (task script path expected, got \(call.typeName(position)))")
        }
        let script = try call.string(position)
        if script.hasPrefix("/") || isReadable(script) {
            guard isReadable(script) else { throw Invalid(message: "\(operation): no task script \(script)") }
            return script
        }
        var places = ["the current folder"]
        var folders: [String] = []
        if let source = callerSource, source.hasPrefix("@") {
            folders.append(Environment.directory(of: String(source.dropFirst())))
        }
        if let dir = runtime.options.scriptDirectory { folders.append(dir) }
        for folder in folders where !folder.isEmpty && folder != "." {
            let candidate = folder.hasSuffix("/") ? folder + script : folder + "/" + script
            if isReadable(candidate) { return candidate }
            places.append(folder)
        }
        throw Invalid(message: "\(operation): no task script '\(script)' (looked in \(places.joined(separator: ", ")))")
    }

    static func isReadable(_ path: String) -> Bool {
        access(path, R_OK) == 0 && !Environment.isDirectory(path)
    }
}
