import Synchronization

/// Thumbnails of rendered images for `rscript serve`, cached on disk.
///
/// ```swift
/// let cache = ThumbnailCache.beside(database: store.path)   // rscript.db -> rscript-thumbnails/
/// let thumb = cache.thumbnail(of: "/renders/shot/0001.exr")  // 256 px on the long side
/// if let reason = thumb.reason { logger.warning("thumbnail: \(reason)") }
/// // respond with thumb.bytes (image/png), ETag "\(thumb.etag)"
/// let sheet = cache.contactSheet([(1, "/r/0001.png"), (2, "/r/0002.png")])
/// ```
///
/// - Formats: whatever the system libvips reads; on Debian 12 that includes PNG, JPEG, PPM/PGM,
///   OpenEXR (converted from linear light to sRGB), TIFF and WebP. See docs/thumbnails.md.
/// - Cache: `<directory>/<hash of the image's path>/<size>-<mtime ns>-<length>.png`, written
///   atomically (temporary file, then rename), so readers never see a torn file. When an image
///   changes, its next thumbnail replaces the outdated one.
/// - Never fails: a missing or unreadable image (or no libvips at all) gives a placeholder PNG
///   and a `reason` for the caller to log.
/// - Threads: a value is Sendable and may be used from any thread (libvips is thread-safe),
///   but not from a Lua loop: the calls block while they read or make a thumbnail (tens of
///   milliseconds for a large image). From async code use the `async` overloads, which run the
///   work on a Dispatch queue. Requests for the same key at once make it once; the others wait.
/// - libvips is loaded at the first thumbnail, not at start-up (see Sources/CVips/include/CVips.h).
public struct ThumbnailCache: Sendable {
    /// The long side of a thumbnail when none is asked for.
    public static let defaultSize = 256
    /// Sizes asked for are clamped to this range (a size comes from a URL).
    public static let sizes = 16...2048

    /// Where the thumbnails are kept; created at the first one.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The cache beside the gallery database at `database`, named after it as the gallery's
    /// work folders are (`~/.local/share/rscript/rscript-thumbnails` for `rscript.db`).
    public static func beside(database: String) -> ThumbnailCache {
        let file = database.lastIndex(of: "/").map { String(database[database.index(after: $0)...]) } ?? database
        let name = file.lastIndex(of: ".").flatMap { $0 == file.startIndex ? nil : String(file[..<$0]) } ?? file
        let folder = Environment.directory(of: database)
        return ThumbnailCache(directory: (folder == "/" ? "" : folder) + "/" + name + "-thumbnails")
    }

    /// PNG bytes of a thumbnail of the image at `path`, `size` pixels on its long side (aspect
    /// kept; a smaller image is scaled up), from the cache when the image has not changed since.
    /// A missing or unreadable image gives a placeholder and a `reason`. Blocks the calling thread.
    public func thumbnail(of path: String, size: Int = defaultSize) -> Thumbnail {
        let size = Self.clamped(size)
        let key: ThumbnailKey
        switch ThumbnailKey.of(path, size: size) {
        case .success(let found): key = found
        case .failure(let reason): return Placeholder.thumbnail(size: size, reason: reason.text)
        }
        let file = directory + "/" + key.folder + "/" + key.fileName
        return KeyedGate.shared.run(file) {
            if let bytes = CacheFile.read(file) {
                return Thumbnail(bytes: bytes, etag: key.etag, isPlaceholder: false, reason: nil)
            }
            if let reason = FailureMemo.shared.reason(for: key) {
                return Placeholder.thumbnail(size: size, reason: reason)
            }
            do throws(VipsFailure) {
                try VipsImage.load()
            } catch {
                return Placeholder.thumbnail(size: size, reason: error.reason)  // not the image's fault
            }
            do throws(VipsFailure) {
                let bytes = try VipsImage.thumbnail(of: path, size: size).png()
                let problem = CacheFile.write(bytes, to: file, replacingSiblingsOf: key)
                Self.generated.add(1, ordering: .relaxed)
                return Thumbnail(bytes: bytes, etag: key.etag, isPlaceholder: false, reason: problem)
            } catch {
                let reason = "cannot make a thumbnail of \(path): \(error.reason)"
                FailureMemo.shared.remember(reason, for: key)
                return Placeholder.thumbnail(size: size, reason: reason)
            }
        }
    }

    /// How many thumbnails this process has made (not read from the cache): for the tests.
    static let generated = Atomic<Int>(0)

    static func clamped(_ size: Int) -> Int {
        min(max(size, sizes.lowerBound), sizes.upperBound)
    }
}
