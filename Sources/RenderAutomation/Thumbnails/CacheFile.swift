#if canImport(Glibc)
import Glibc
#endif

/// Reading and writing the cache's PNG files.
enum CacheFile {
    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The file's bytes, or nil when it is missing or is not a PNG (then it is made again).
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        return bytes.starts(with: pngSignature) ? bytes : nil
    }

    /// Writes `bytes` to `path` atomically (a temporary file in the same folder, then rename),
    /// creating the folders, and removes the outdated thumbnails of the same image and size.
    /// Returns why the file could not be written, or nil; the thumbnail is served either way.
    static func write(_ bytes: [UInt8], to path: String, replacingSiblingsOf key: ThumbnailKey) -> String? {
        let folder = String(path[..<path.lastIndex(of: "/")!])
        if let problem = makeFolders(folder) { return problem }
        // Unique per process and thread, so two processes sharing the cache never collide.
        let temporary = "\(path).\(getpid())-\(UInt64.random(in: 0...UInt64.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot write the thumbnail cache \(temporary): \(String(cString: strerror(errno)))" }
        let written = bytes.withUnsafeBytes { writeAll(fd, $0) }
        close(fd)
        guard written, rename(temporary, path) == 0 else {
            let problem = "cannot write the thumbnail cache \(path): \(String(cString: strerror(errno)))"
            unlink(temporary)
            return problem
        }
        removeOutdated(in: folder, keeping: key)
        return nil
    }

    /// `mkdir -p`; the reason when a folder cannot be made.
    private static func makeFolders(_ folder: String) -> String? {
        var prefix = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                return "cannot make the thumbnail cache folder \(prefix): \(String(cString: strerror(errno)))"
            }
        }
        return nil
    }

    /// Removes this image's thumbnails of the same size for other mtimes or lengths.
    private static func removeOutdated(in folder: String, keeping key: ThumbnailKey) {
        guard let dir = opendir(folder) else { return }
        defer { closedir(dir) }
        let prefix = "\(key.size)-"
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasPrefix(prefix) && name.hasSuffix(".png") && name != key.fileName {
                unlink(folder + "/" + name)
            }
        }
    }
}
