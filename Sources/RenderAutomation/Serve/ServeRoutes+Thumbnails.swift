import Foundation
import Hummingbird
import Synchronization

extension ServeRoutes {
    func thumbnailRoutes() -> [ServeRoute] {
        [
            ServeRoute(method: .get, pattern: "/api/v1/renders/{id}/thumbnail",
                       summary: "A PNG of the render's current image, 256 px on its long side (a placeholder when it cannot be read).",
                       query: [("size", "long side in pixels, 16 to 2048 (default 256)")], produces: "image/png") { [unowned self] request in
                let size = try thumbnailSize(request, default: ThumbnailCache.defaultSize)
                let snapshot = try await render(request.id())
                guard let latest = snapshot.latestImage else { throw ServeError.notFound("render \(snapshot.id) has no image yet") }
                let thumbnail = await thumbnails.thumbnail(of: latest.path, size: size)
                report(thumbnail, what: "render \(snapshot.id)'s thumbnail")
                return png(thumbnail, request: request)
            },
            ServeRoute(method: .get, pattern: "/api/v1/frames/{id}/contact-sheet",
                       summary: "A PNG tiling the frame render's frames (thumbnails with frame numbers); missing frames are placeholders.",
                       query: [("size", "each tile's long side, 16 to 2048 (default 160)"), ("columns", "tiles per row (default up to 8)")],
                       produces: "image/png") { [unowned self] request in
                let size = try thumbnailSize(request, default: ThumbnailCache.defaultTileSize)
                var columns: Int?
                if let text = request.query["columns"] {
                    guard let n = Int(text), (1...64).contains(n) else {
                        throw ServeError.badRequest("columns must be a whole number from 1 to 64 (got '\(text)')")
                    }
                    columns = n
                }
                let render = try await frameRender(request.id())
                let frames = FrameFiles.list(render).map { (frame: $0.frame, path: $0.path) }
                let sheet = await thumbnails.contactSheet(frames, columns: columns, size: size)
                report(sheet, what: "frame render \(render.id)'s contact sheet")
                return png(sheet, request: request)
            },
        ]
    }

    private func thumbnailSize(_ request: ServeRequest, default size: Int) throws -> Int {
        guard let text = request.query["size"] else { return size }
        guard let n = Int(text), ThumbnailCache.sizes.contains(n) else {
            throw ServeError.badRequest("size must be a whole number of pixels from \(ThumbnailCache.sizes.lowerBound) to \(ThumbnailCache.sizes.upperBound) (got '\(text)')")
        }
        return n
    }

    /// A placeholder is answered like an image (the page shows it), but never for long: the
    /// image may appear or be fixed. Its reason is logged once per reason, not per request.
    private func png(_ thumbnail: Thumbnail, request: ServeRequest) -> Response {
        ServeResponse.bytes(thumbnail.bytes, contentType: "image/png", etag: thumbnail.etag, request: request,
                            cacheControl: thumbnail.isPlaceholder ? "no-cache" : "private, max-age=31536000, immutable")
    }

    private func report(_ thumbnail: Thumbnail, what: String) {
        guard let reason = thumbnail.reason else { return }
        let line = "rscript: serve: \(what): \(reason)"
        if loggedReasons.withLock({ $0.insert(line).inserted }) { StandardError.write(line + "\n") }
    }
}
