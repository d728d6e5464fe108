#if canImport(Glibc)
import Glibc
#endif

/// Checks that a frame's image file is whole, for resuming a render (a frame whose image is
/// valid is skipped) and for accepting what a renderer wrote.
///
/// PNG: the signature and the closing IEND chunk (a renderer killed while writing leaves a file
/// without it). EXR: the magic number. JPEG: the start and end markers. TIFF: the byte-order
/// header. Any other format: a non-empty file.
public enum FrameImage {
    public enum Check: Sendable, Equatable {
        case valid
        case missing
        case empty
        case damaged(String)

        public var isValid: Bool { self == .valid }
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The IEND chunk: length 0, type, CRC.
    static let pngEnd: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
    static let exrMagic: [UInt8] = [0x76, 0x2F, 0x31, 0x01]

    public static func check(_ path: String) -> Check {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .missing }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return .damaged("not a regular file") }
        let size = Int(st.st_size)
        if size == 0 { return .empty }
        let head = read(fd, at: 0, count: 16)
        if head.starts(with: pngSignature) {
            guard size >= 8 + 12 + 12, read(fd, at: size - 12, count: 12) == pngEnd else {
                return .damaged("PNG without its end (IEND) chunk: cut short")
            }
            return .valid
        }
        if head.starts(with: [0xFF, 0xD8]) {
            return read(fd, at: size - 2, count: 2) == [0xFF, 0xD9] ? .valid : .damaged("JPEG without its end marker: cut short")
        }
        if head.starts(with: exrMagic) || head.starts(with: [0x49, 0x49, 0x2A, 0]) || head.starts(with: [0x4D, 0x4D, 0, 0x2A]) {
            return .valid
        }
        let lower = path.lowercased()
        for (suffix, format) in [(".png", "PNG"), (".exr", "EXR"), (".jpg", "JPEG"), (".jpeg", "JPEG"), (".tif", "TIFF"), (".tiff", "TIFF")]
        where lower.hasSuffix(suffix) {
            return .damaged("not a \(format) file (wrong signature)")
        }
        return .valid
    }

    /// The modification time, CLOCK_REALTIME seconds, or nil when there is no file.
    public static func modificationTime(_ path: String) -> Double? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
    }

    /// Width and height of a PNG (from its IHDR chunk), or nil.
    public static func pngSize(_ path: String) -> (width: Int, height: Int)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let head = read(fd, at: 0, count: 24)
        guard head.count == 24, head.starts(with: pngSignature) else { return nil }
        func be32(_ i: Int) -> Int { head[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    private static func read(_ fd: Int32, at offset: Int, count: Int) -> [UInt8] {
        guard offset >= 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }
}

/// CLOCK_REALTIME seconds (file times are on this clock).
func wallClock() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
