/// A PNG for the web UI: a thumbnail, a contact sheet, or a placeholder standing in for an image
/// that could not be read.
public struct Thumbnail: Sendable, Equatable {
    /// The PNG file's bytes.
    public let bytes: [UInt8]
    /// A strong entity tag for HTTP (without the quotes): it changes when the image, its
    /// modification time or the requested size changes.
    public let etag: String
    /// True when `bytes` is a placeholder (a grey "no image" square), not the image; a client
    /// should not cache it for long, since the image may appear or be fixed.
    public let isPlaceholder: Bool
    /// Why this is a placeholder (or, in a contact sheet, why some tiles are), or a problem the
    /// caller should log (the cache folder cannot be written); nil when all went well.
    public let reason: String?

    public init(bytes: [UInt8], etag: String, isPlaceholder: Bool, reason: String?) {
        self.bytes = bytes
        self.etag = etag
        self.isPlaceholder = isPlaceholder
        self.reason = reason
    }
}
