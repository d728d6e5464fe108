import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The last lines of a log file, read from its end: a 2 GB render log costs what its tail does.
enum LogTail {
    /// At most `lines` lines and `maxBytes` bytes from the end of `path` (nil: no such file).
    static func read(_ path: String, lines: Int, maxBytes: Int = 4 << 20) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        var end = size
        var collected: [UInt8] = []
        var newlines = 0
        let block = 64 * 1024
        // Read backwards a block at a time until there are `lines` line ends before the last line.
        while end > 0 && newlines <= lines && collected.count < maxBytes {
            let start = max(0, end - block)
            var chunk = [UInt8](repeating: 0, count: end - start)
            let n = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, end - start, off_t(start)) }
            guard n > 0 else { break }
            chunk.removeLast(chunk.count - n)
            newlines += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            collected.insert(contentsOf: chunk, at: 0)
            end = start
        }
        var text = collected[...]
        if text.last == 10 { text = text.dropLast() }
        var kept = 0
        var cut = text.endIndex
        while cut > text.startIndex {
            let before = text.index(before: cut)
            if text[before] == 10 {
                kept += 1
                if kept == lines { break }
            }
            cut = before
        }
        let tail = kept == lines ? text[cut...] : text
        return String(decoding: tail, as: UTF8.self) + (tail.isEmpty ? "" : "\n")
    }

    static func size(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }
}
