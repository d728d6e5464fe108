import Foundation
import Hummingbird
import NIOCore

extension ServeRoutes {
    func renderRoutes() -> [ServeRoute] {
        [
            listRoute("/api/v1/renders", summary: "Renders, newest first, one page at a time.", key: "renders",
                      states: RenderState.allNames, text: "label", fetch: { try $0.renders($1) }, json: { ServeJSON.render($0, now: $1) }),
            ServeRoute(method: .get, pattern: "/api/v1/renders/{id}", summary: "One render: state, metadata, every image, error.") { [unowned self] request in
                ServeResponse.json(ServeJSON.render(try await render(request.id(), fullImageHistory: true)))
            },
            ServeRoute(method: .get, pattern: "/api/v1/renders/{id}/image", summary: "The render's current image (ETag; revalidate).",
                       produces: "image/*") { [unowned self] request in
                let snapshot = try await render(request.id())
                guard let latest = snapshot.latestImage else {
                    throw ServeError.notFound("render \(snapshot.id) has no image yet")
                }
                return try imageFile(latest.path, request: request)
            },
            ServeRoute(method: .get, pattern: "/api/v1/renders/{id}/log", summary: "The last lines of the render's log.",
                       query: [("tail", "how many lines (default 200)")], produces: "text/plain") { [unowned self] request in
                let lines = try ServeQuery.tail(request)
                let snapshot = try await render(request.id())
                guard let log = snapshot.logPath else { throw ServeError.notFound("render \(snapshot.id) has no log") }
                guard let text = LogTail.read(log, lines: lines) else { throw ServeError.notFound("render \(snapshot.id)'s log \(log) is gone") }
                return ServeResponse.text(text)
            },
        ]
    }

    func render(_ id: Int64, fullImageHistory: Bool = false) async throws -> RenderSnapshot {
        guard let snapshot = try await blocking({ [database] in try database.render(id: id, fullImageHistory: fullImageHistory) }) else {
            throw ServeError.notFound("no render has id \(id)")
        }
        return snapshot
    }

    /// An image the gallery recorded, streamed from disk. Only a path the database names is
    /// ever served (never one from the request), so a crafted URL cannot reach other files.
    func imageFile(_ path: String, request: ServeRequest) throws -> Response {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ServeError.notFound("the image \(path) is gone")
        }
        let etag = "\"\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)-\(info.st_size)\""
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: [.eTag: etag, .cacheControl: "no-cache"])
        }
        let reply = WebReply(status: 200, headers: [
            ("content-type", ServeImageType.of(path)), ("etag", etag), ("cache-control", "no-cache"),
        ], body: [])
        return FileReply.response(reply, path: path, range: request.headers[.range])
    }
}

enum ServeImageType {
    static func of(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "exr": "image/x-exr"
        case "ppm", "pnm": "image/x-portable-pixmap"
        case "tga": "image/x-tga"
        case "tif", "tiff": "image/tiff"
        case "webp": "image/webp"
        default: "application/octet-stream"
        }
    }
}
