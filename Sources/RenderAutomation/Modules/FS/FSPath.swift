import LuaBridge

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Path strings as bytes: Lua strings are bytes and so are file names, so paths never go through
/// `String` (which would replace bytes that are not UTF-8) except in error messages.
enum FSPath {
    static let slash = UInt8(ascii: "/")

    /// Python's `os.path.join` without empty parts: an absolute part starts over.
    static func join(_ parts: [[UInt8]]) -> [UInt8] {
        var result: [UInt8] = []
        for part in parts where !part.isEmpty {
            if part.first == slash {
                result = part
            } else {
                if !result.isEmpty && result.last != slash { result.append(slash) }
                result += part
            }
        }
        return result
    }

    /// The last component, trailing slashes ignored: `a/b/` gives `b`, `/` gives `/`.
    static func basename(_ path: [UInt8]) -> [UInt8] {
        var end = path.count
        while end > 1 && path[end - 1] == slash { end -= 1 }
        if end == 1 && path[0] == slash { return [slash] }
        let start = path[..<end].lastIndex(of: slash).map { $0 + 1 } ?? 0
        return Array(path[start..<end])
    }

    /// Everything before the last component: `a/b` gives `a`, `a` gives `.`, `/a` gives `/`.
    static func dirname(_ path: [UInt8]) -> [UInt8] {
        var end = path.count
        while end > 1 && path[end - 1] == slash { end -= 1 }
        guard let lastSlash = path[..<end].lastIndex(of: slash) else { return [UInt8(ascii: ".")] }
        var cut = lastSlash
        while cut > 0 && path[cut - 1] == slash { cut -= 1 }
        return cut == 0 ? [slash] : Array(path[..<cut])
    }

    /// An absolute path with `.`, `..` and repeated slashes resolved (symbolic links are not).
    static func absolute(_ path: [UInt8]) throws -> [UInt8] {
        var full = path
        if path.first != slash {
            guard let cwd = currentDirectory() else {
                throw FSError.system("abspath", "cannot get the current directory for", path)
            }
            full = join([cwd, path])
        }
        var parts: [ArraySlice<UInt8>] = []
        for part in full.split(separator: slash, omittingEmptySubsequences: true) {
            if part.elementsEqual([UInt8(ascii: ".")]) { continue }
            if part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        var result: [UInt8] = []
        for part in parts {
            result.append(slash)
            result += part
        }
        return result.isEmpty ? [slash] : result
    }

    static func currentDirectory() -> [UInt8]? {
        var size = 4096
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            if getcwd(&buffer, size) != nil {
                return buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
            }
            if errno != ERANGE { return nil }
            size *= 4
        }
        return nil
    }

    /// Calls `body` with the path as a NUL-terminated C string.
    static func withCString<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (path + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// `stat(2)`, following symbolic links; nil if it fails (errno is set).
    static func status(_ path: [UInt8]) -> stat? {
        withCString(path) { p in
            var st = stat()
            return stat(p, &st) == 0 ? st : nil
        }
    }

    /// `lstat(2)`: a symbolic link itself, not what it points to; nil if it fails.
    static func linkStatus(_ path: [UInt8]) -> stat? {
        withCString(path) { p in
            var st = stat()
            return lstat(p, &st) == 0 ? st : nil
        }
    }

    static func isDirectory(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFDIR }
    static func isRegularFile(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFREG }

    /// The path as an error message shows it.
    static func display(_ path: [UInt8]) -> String { String(decoding: path, as: UTF8.self) }
}

/// The errors of `rscript.fs`: `fs.read: cannot open /x/y: No such file or directory`.
enum FSError {
    /// An error naming the function, what it could not do, the path, and `errno`'s text.
    static func system(_ function: String, _ action: String, _ path: [UInt8], errno code: Int32 = errno) -> LuaScriptError {
        LuaScriptError("fs.\(function): \(action) \(FSPath.display(path)): \(String(cString: strerror(code)))")
    }

    /// The same, for a function with a source and a destination path.
    static func system(_ function: String, _ action: String, _ path: [UInt8], to destination: [UInt8], errno code: Int32 = errno) -> LuaScriptError {
        LuaScriptError("fs.\(function): \(action) \(FSPath.display(path)) to \(FSPath.display(destination)): \(String(cString: strerror(code)))")
    }
}
