#if canImport(Glibc)
import Glibc
#endif

/// What a cached thumbnail is keyed by: the image's path (resolved), modification time and
/// length, and the thumbnail's size. A re-rendered frame gets a new mtime, so a new key.
struct ThumbnailKey: Hashable, Sendable {
    let path: String
    let modified: Int64  // nanoseconds since 1970
    let length: Int64
    let size: Int

    /// The key of the file at `path` now, or why it has none (missing, unreadable, a folder).
    static func of(_ path: String, size: Int) -> Result<ThumbnailKey, ThumbnailReason> {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return .failure(ThumbnailReason("cannot read \(path): \(String(cString: strerror(errno)))"))
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return .failure(ThumbnailReason("\(path) is not a file"))
        }
        // Resolved, so `a/../b.png` and `b.png` (or a symlink and its target) share one entry.
        var resolved = path
        if let real = realpath(path, nil) {
            resolved = String(cString: real)
            free(real)
        }
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return .success(ThumbnailKey(path: resolved, modified: modified, length: Int64(info.st_size), size: size))
    }

    /// The folder (inside the cache) holding this path's thumbnails: one per image, so an
    /// outdated thumbnail is found and removed without listing the whole cache.
    var folder: String { hex(fnv1a(path)) }

    /// The file name of this key's thumbnail inside `folder`.
    var fileName: String { "\(size)-\(modified)-\(length).png" }

    /// The HTTP entity tag of this key's thumbnail.
    var etag: String { "\(folder)-\(size)-\(modified)-\(length)" }
}

/// Why an image gave a placeholder, worded for a log line.
struct ThumbnailReason: Error, Sendable {
    let text: String
    init(_ text: String) { self.text = text }
}

/// FNV-1a, 64 bits: a stable hash for file names (Swift's `Hasher` is seeded per process).
func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    return hash
}

func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
