import CVips

/// Why a libvips call failed, in libvips's words (the file it could not read and why).
struct VipsFailure: Error {
    let reason: String
}

/// An owned libvips image (a `rs_vips_image` from CVips), released when the last reference goes.
/// Used within one call on one thread, so not Sendable; libvips itself is thread-safe, so any
/// number of these may be in use on different threads at once.
final class VipsImage {
    let handle: OpaquePointer

    private init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        rs_vips_unref(handle)
    }

    var width: Int { Int(rs_vips_width(handle)) }
    var height: Int { Int(rs_vips_height(handle)) }

    /// Loads libvips (once per process); throws why it cannot be loaded.
    static func load() throws(VipsFailure) {
        try call { err, len in rs_vips_load(err, len) }
    }

    /// The image file at `path` scaled to fit a `size` x `size` box, as 8-bit sRGB.
    static func thumbnail(of path: String, size: Int) throws(VipsFailure) -> VipsImage {
        try make { out, err, len in rs_vips_thumbnail(path, Int32(size), &out, err, len) }
    }

    /// The image encoded in `bytes` (a PNG thumbnail), decoded.
    static func decode(_ bytes: [UInt8]) throws(VipsFailure) -> VipsImage {
        try make { out, err, len in
            bytes.withUnsafeBytes { rs_vips_decode($0.baseAddress, $0.count, &out, err, len) }
        }
    }

    /// A grey `width` x `height` image with `text` in its centre.
    static func placeholder(width: Int, height: Int, text: String) throws(VipsFailure) -> VipsImage {
        try make { out, err, len in rs_vips_placeholder(Int32(width), Int32(height), text, &out, err, len) }
    }

    /// This image centred in a `width` x `height` box with `label` in a strip below it.
    func cell(width: Int, height: Int, labelHeight: Int, label: String) throws(VipsFailure) -> VipsImage {
        try Self.make { out, err, len in
            rs_vips_cell(handle, Int32(width), Int32(height), Int32(labelHeight), label, &out, err, len)
        }
    }

    /// `images` (all one size) tiled `across` per row, `gap` pixels apart.
    static func grid(_ images: [VipsImage], across: Int, gap: Int) throws(VipsFailure) -> VipsImage {
        let handles: [OpaquePointer?] = images.map(\.handle)
        return try withExtendedLifetime(images) { () throws(VipsFailure) -> VipsImage in
            try make { out, err, len in
                rs_vips_grid(handles, Int32(handles.count), Int32(across), Int32(gap), &out, err, len)
            }
        }
    }

    /// The image as PNG bytes.
    func png() throws(VipsFailure) -> [UInt8] {
        var buffer: UnsafeMutableRawPointer?
        var count = 0
        try Self.call { err, len in rs_vips_png(handle, &buffer, &count, err, len) }
        defer { rs_vips_free(buffer) }
        guard let buffer else { return [] }
        return Array(UnsafeRawBufferPointer(start: buffer, count: count))
    }

    private static let errorCapacity = 1024

    /// Runs a CVips call that reports failure as -1 with a message in the buffer it is given.
    private static func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(VipsFailure) {
        var message = [CChar](repeating: 0, count: errorCapacity)
        let status = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        if status != 0 {
            // libvips gives one line per layer ("VipsJpeg: Premature end of input file\n
            // vips2png: unable to write..."): one log line, with the layers kept.
            let lines = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.split(separator: "\n")
            throw VipsFailure(reason: lines.isEmpty ? "unknown libvips error" : lines.joined(separator: "; "))
        }
    }

    /// `call` for a function that makes an image.
    private static func make(
        _ body: (inout OpaquePointer?, UnsafeMutablePointer<CChar>, Int) -> Int32
    ) throws(VipsFailure) -> VipsImage {
        var out: OpaquePointer?
        try call { err, len in body(&out, err, len) }
        guard let out else { throw VipsFailure(reason: "libvips returned no image") }
        return VipsImage(out)
    }
}
