import CLuaShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LuaState {
    /// Compiles a chunk and returns it as a function. Text only unless `allowBinary` (and never
    /// in the safe profile). `chunkName` follows Lua's rules: `@path` for files, `=name` verbatim.
    public func load(_ source: some Collection<UInt8>, chunkName: String, allowBinary: Bool = false) throws -> LuaFunction {
        try checkOpen()
        let mode = allowBinary && libraries == .full ? "bt" : "t"
        let status: Int32 = source.withContiguousStorageIfAvailable { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                rscript_load(L, chars.baseAddress, chars.count, chunkName, mode)
            }
        } ?? Array(source).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                rscript_load(L, chars.baseAddress, chars.count, chunkName, mode)
            }
        }
        if status != LUA_OK {
            throw popError(status: status, thread: L, traceback: nil)
        }
        return LuaFunction(state: self, popping: L)
    }

    public func load(_ source: String, chunkName: String) throws -> LuaFunction {
        try load(Array(source.utf8), chunkName: chunkName)
    }

    /// Reads and compiles a file; the chunk name is `@path`, so errors say `path:line:`, unless
    /// `chunkName` is given. A missing, unreadable or directory path throws a one-line `.file` error.
    public func loadFile(_ path: String, chunkName: String? = nil) throws -> LuaFunction {
        let bytes = try Self.readFile(path)
        var source = bytes[...]
        if source.first == UInt8(ascii: "#") {  // a shebang line, as lua.c skips it
            let end = source.firstIndex(of: UInt8(ascii: "\n")) ?? source.endIndex
            source = source[end...]
            // keep line numbers right: the newline stays
        }
        return try load(source, chunkName: chunkName ?? "@" + path)
    }

    /// Runs a chunk to completion on the main thread and returns its results.
    @discardableResult
    public func doString(_ source: String, chunkName: String = "=(string)") throws -> [LuaValue] {
        let chunk = try load(source, chunkName: chunkName)
        return try chunk.call()
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw LuaError(.file, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw LuaError(.file, "cannot run \(path): it is a directory")
        }
        guard let file = fopen(path, "rb") else {
            throw LuaError(.file, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var result: [UInt8] = []
        result.reserveCapacity(Int(st.st_size))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n > 0 { result.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count {
                if ferror(file) != 0 {
                    throw LuaError(.file, "cannot read \(path): \(String(cString: strerror(errno)))")
                }
                break
            }
        }
        return result
    }

    func checkOpen() throws {
        if isClosed { throw LuaError(.closed, "the Lua state is closed") }
    }

    /// Pops the error object at the top of `thread` and turns it into a `LuaError`.
    func popError(status: Int32, thread: OpaquePointer, traceback: String?) -> LuaError {
        // As lua.c words it: strings and numbers as they are, `__tostring` if the object has one,
        // else "(error object is a table value)" rather than an address.
        var message = "(error object is a \(String(cString: luaL_typename(thread, -1))) value)"
        let type = lua_type(thread, -1)
        if type == LUA_TSTRING || type == LUA_TNUMBER {
            message = stringAt(thread, -1)
        } else if luaL_getmetafield(thread, -1, "__tostring") != LUA_TNIL {
            lua_pop(thread, 1)
            if rscript_tostring(thread, -1) == LUA_OK, lua_type(thread, -1) == LUA_TSTRING {
                message = stringAt(thread, -1)
            }
            lua_pop(thread, 1)
        }
        lua_pop(thread, 1)
        var kind: LuaError.Kind
        switch status {
        case LUA_ERRSYNTAX: kind = .syntax
        case LUA_ERRMEM: kind = info.pointee.memory_limit_hit != 0 ? .memoryLimit : .memory
        default: kind = .runtime
        }
        var text = message
        if kind == .runtime {
            switch info.pointee.limit_kind {
            case 1 where message.hasSuffix("instructions)"): kind = .instructionLimit
            case 2 where message.contains("deadline exceeded"): kind = .deadline
            case 3 where message.hasSuffix("interrupted"): kind = .interrupted
            case 4 where message.hasPrefix("memory limit exceeded"): kind = .memoryLimit
            default: break
            }
        }
        if kind == .memoryLimit {
            text = "memory limit exceeded (\(limits.memoryBytes) bytes)"
        }
        return LuaError(kind, text, traceback: traceback)
    }

    @inline(__always)
    func stringAt(_ L: OpaquePointer, _ index: Int32) -> String {
        var length = 0
        guard let p = lua_tolstring(L, index, &length) else { return "" }
        return p.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }
}
