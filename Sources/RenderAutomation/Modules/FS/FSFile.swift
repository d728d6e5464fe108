import LuaBridge

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations of `rscript.fs`, on byte paths; each throws an `FSError` message naming
/// the Lua function and the path.
enum FSFile {
    /// The whole file, bytes as they are, handed to `body` (valid only during the call).
    /// `charge` is told the size of the buffer before it is allocated or grown, and may throw to
    /// refuse it (the memory limit of the script that asked).
    static func read<R>(_ path: [UInt8], function: String = "read", charge: (Int) throws -> Void = { _ in },
                        _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let fd = FSPath.withCString(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw FSError.system(function, "cannot open", path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FSError.system(function, "cannot read", path) }
        if FSPath.isDirectory(st) { throw FSError.system(function, "cannot read", path, errno: EISDIR) }
        // st_size is a hint: files in /proc say 0, and a file may grow while it is read.
        var capacity = max(Int(st.st_size) + 1, 4096)
        try charge(capacity)
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        defer { buffer.deallocate() }
        var count = 0
        while true {
            if count == capacity {
                capacity *= 2
                try charge(capacity)
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
                bigger.copyMemory(from: buffer, byteCount: count)
                buffer.deallocate()
                buffer = bigger
            }
            let n = posixRead(fd, buffer + count, capacity - count)
            if n < 0 {
                if errno == EINTR { continue }
                throw FSError.system(function, "cannot read", path)
            }
            if n == 0 { break }
            count += n
        }
        return try body(UnsafeRawBufferPointer(start: buffer, count: count))
    }

    /// Replaces the file at `path` with `data` atomically: the data goes to a new file in the
    /// same folder, is flushed to disk, and is renamed over `path`, and the folder is flushed
    /// too. Readers see the old file or the new one, never a part; on failure the temporary file
    /// is removed and `path` is untouched. An existing file's permissions are kept.
    static func writeAtomically(_ path: [UInt8], _ data: UnsafeRawBufferPointer, function: String = "write") throws {
        let directory = FSPath.dirname(path)
        let name = FSPath.basename(path)
        if name == [FSPath.slash] || path.last == FSPath.slash {
            throw FSError.system(function, "cannot write", path, errno: EISDIR)
        }
        let existing = FSPath.status(path)

        var temporary: [UInt8] = []
        var fd: Int32 = -1
        for _ in 0..<100 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporary = FSPath.join([directory, Array(".\(FSPath.display(name)).tmp-\(suffix)".utf8)])
            fd = FSPath.withCString(temporary) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666) }
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw FSError.system(function, "cannot write", path) }

        var failure: LuaScriptError?
        if let existing, FSPath.isRegularFile(existing) {
            _ = fchmod(fd, existing.st_mode & 0o7777)
        }
        if !writeAll(fd, data) { failure = FSError.system(function, "cannot write", path) }
        if failure == nil && fsync(fd) != 0 { failure = FSError.system(function, "cannot write", path) }
        if close(fd) != 0 && failure == nil { failure = FSError.system(function, "cannot write", path) }
        if failure == nil {
            let renamed = FSPath.withCString(temporary) { from in FSPath.withCString(path) { to in posixRename(from, to) } }
            if renamed != 0 { failure = FSError.system(function, "cannot write", path) }
        }
        if let failure {
            let saved = errno
            _ = FSPath.withCString(temporary) { unlink($0) }
            errno = saved
            throw failure
        }
        // Make the rename itself durable.
        let directoryFD = FSPath.withCString(directory) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// `mkdir -p`: makes the folder and any missing parents; an existing folder is fine.
    static func makeDirectories(_ path: [UInt8]) throws {
        if let st = FSPath.status(path), FSPath.isDirectory(st) { return }
        var prefixes: [Int] = []  // ends of each component
        for (k, byte) in path.enumerated() where byte == FSPath.slash && k > 0 && path[k - 1] != FSPath.slash {
            prefixes.append(k)
        }
        if path.last != FSPath.slash { prefixes.append(path.count) }
        for end in prefixes {
            let prefix = Array(path[..<end])
            let made = FSPath.withCString(prefix) { mkdir($0, 0o777) }
            if made == 0 { continue }
            let code = errno
            if code == EEXIST {
                if let st = FSPath.status(prefix), FSPath.isDirectory(st) { continue }
                throw FSError.system("mkdir", "cannot create", path, errno: end == path.count ? EEXIST : ENOTDIR)
            }
            throw FSError.system("mkdir", "cannot create", path, errno: code)
        }
    }

    /// The names in a folder, without `.` and `..`, sorted by bytes.
    static func list(_ path: [UInt8], function: String = "list") throws -> [[UInt8]] {
        guard let dir = FSPath.withCString(path, { opendir($0) }) else {
            throw FSError.system(function, "cannot open", path)
        }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw FSError.system(function, "cannot list", path) }
                break
            }
            let name = entryName(entry)
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        withUnsafePointer(to: &entry.pointee.d_name) { tuple in
            tuple.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) { p in
                Array(UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))))
            }
        }
    }

    /// Copies a file's bytes to `destination`, atomically as `write` does: a reader of the
    /// destination sees the old file or the whole copy. The copy gets the source's permissions.
    static func copy(_ source: [UInt8], to destination: [UInt8]) throws {
        try read(source, function: "copy") { bytes in
            try writeAtomically(destination, bytes, function: "copy")
        }
        if let st = FSPath.status(source) {
            _ = FSPath.withCString(destination) { chmod($0, st.st_mode & 0o7777) }
        }
    }

    /// Renames a file or folder (rename(2): atomic, same file system only). An existing
    /// destination file is replaced; an existing non-empty destination folder is an error.
    static func rename(_ source: [UInt8], to destination: [UInt8]) throws {
        let renamed = FSPath.withCString(source) { from in FSPath.withCString(destination) { to in posixRename(from, to) } }
        if renamed != 0 { throw FSError.system("rename", "cannot rename", source, to: destination) }
    }

    /// `rm -r`: removes a folder with everything in it, or a file. A symbolic link is removed,
    /// never followed. Returns false when nothing was there.
    @discardableResult
    static func removeTree(_ path: [UInt8]) throws -> Bool {
        guard let st = FSPath.linkStatus(path) else {
            if errno == ENOENT { return false }
            throw FSError.system("rmtree", "cannot remove", path)
        }
        if FSPath.isDirectory(st) {
            for name in try list(path, function: "rmtree") { try removeTree(FSPath.join([path, name])) }
            if FSPath.withCString(path, { rmdir($0) }) != 0 { throw FSError.system("rmtree", "cannot remove", path) }
        } else if FSPath.withCString(path, { unlink($0) }) != 0 {
            throw FSError.system("rmtree", "cannot remove", path)
        }
        return true
    }

    /// Removes a file, a symbolic link or an empty folder.
    static func remove(_ path: [UInt8]) throws {
        if FSPath.withCString(path, { unlink($0) }) == 0 { return }
        let code = errno
        if code == EISDIR || code == EPERM, let st = FSPath.status(path), FSPath.isDirectory(st) {
            if FSPath.withCString(path, { rmdir($0) }) == 0 { return }
            throw FSError.system("remove", "cannot remove", path)
        }
        throw FSError.system("remove", "cannot remove", path, errno: code)
    }
}

// `read` and `write` are shadowed inside `FSFile` by its own methods (writes go through `writeAll`).
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
private func posixRename(_ from: UnsafePointer<CChar>, _ to: UnsafePointer<CChar>) -> Int32 { rename(from, to) }
