import Synchronization

/// The grey "no image" squares that stand in for images that cannot be read, made once per size.
enum Placeholder {
    private static let made = Mutex<[Int: [UInt8]]>([:])

    /// A placeholder thumbnail `size` pixels square, for an image that failed for `reason`.
    static func thumbnail(size: Int, reason: String) -> Thumbnail {
        let (bytes, vipsProblem) = png(size: size)
        var reason = reason
        if let vipsProblem, !reason.contains(vipsProblem) { reason += " (and the placeholder is plain: \(vipsProblem))" }
        return Thumbnail(bytes: bytes, etag: "placeholder-\(size)", isPlaceholder: true, reason: reason)
    }

    /// The PNG, and why libvips could not draw it when it is the plain fallback.
    static func png(size: Int) -> (bytes: [UInt8], problem: String?) {
        if let bytes = made.withLock({ $0[size] }) { return (bytes, nil) }
        do throws(VipsFailure) {
            let bytes = try VipsImage.placeholder(width: size, height: size, text: "no image").png()
            made.withLock { $0[size] = bytes }
            return (bytes, nil)
        } catch {
            // libvips is missing or broken: a plain grey PNG made without it.
            return (PlainPNG.grey(width: size, height: size), error.reason)
        }
    }
}
