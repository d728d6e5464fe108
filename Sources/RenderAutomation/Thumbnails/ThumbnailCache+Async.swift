import Dispatch

/// The same calls for async code (Hummingbird handlers): the blocking work runs on a Dispatch
/// queue, so it holds neither a NIO event loop nor a thread of Swift's cooperative pool.
extension ThumbnailCache {
    public func thumbnail(of path: String, size: Int = defaultSize) async -> Thumbnail {
        await offThread { thumbnail(of: path, size: size) }
    }

    public func contactSheet(
        _ frames: [(frame: Int, path: String)], columns: Int? = nil, size: Int = defaultTileSize
    ) async -> Thumbnail {
        await offThread { contactSheet(frames, columns: columns, size: size) }
    }

    private func offThread(_ work: @escaping @Sendable () -> Thumbnail) async -> Thumbnail {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}
