import Foundation
import Hummingbird

extension ServeRoutes {
    func frameRoutes() -> [ServeRoute] {
        [
            listRoute("/api/v1/frames", summary: "Frame renders (rscript render --frames), newest first.", key: "frames",
                      states: ["rendering", "finished", "failed", "interrupted"], text: "label",
                      fetch: { try $0.frameRenders($1) }, json: { $0.jsonValue(now: $1) }),
            ServeRoute(method: .get, pattern: "/api/v1/frames/{id}", summary: "One frame render with its chunks (state, frames, attempts, log) and its frames' images.") { [unowned self] request in
                let render = try await frameRender(request.id())
                let chunks = try await blocking { [database] in try database.chunks(ofFrameRender: render.id) }
                guard case .object(var object) = render.jsonValue() else { return ServeResponse.json(.null) }
                object["chunks"] = .array(chunks.map { $0.jsonValue() })
                object["frameList"] = .array(FrameFiles.list(render).map {
                    .object(["frame": .int(Int64($0.frame)), "path": .string($0.path), "exists": .bool($0.exists)])
                })
                return ServeResponse.json(.object(object))
            },
            ServeRoute(method: .get, pattern: "/api/v1/frames/{id}/chunks/{chunk}/log", summary: "The last lines of one chunk's log.",
                       query: [("tail", "how many lines (default 200)")], produces: "text/plain") { [unowned self] request in
                let lines = try ServeQuery.tail(request)
                let render = try await frameRender(request.id())
                let chunkID = request.id("chunk")
                guard let chunk = try await blocking({ [database] in try database.chunk(id: chunkID) }), chunk.renderId == render.id else {
                    throw ServeError.notFound("frame render \(render.id) has no chunk \(chunkID)")
                }
                guard let log = chunk.logPath, let text = LogTail.read(log, lines: lines) else {
                    throw ServeError.notFound("chunk \(chunkID) has no log (yet)")
                }
                return ServeResponse.text(text)
            },
        ]
    }

    func frameRender(_ id: Int64) async throws -> FrameRenderRow {
        guard let render = try await blocking({ [database] in try database.frameRender(id: id) }) else {
            throw ServeError.notFound("no frame render has id \(id)")
        }
        return render
    }
}

/// A frame render's images on disk. The plugin names each frame's file (its `framePath`), and
/// the database keeps the pattern (`<folder>/<scene>_####`), so the files are found by listing
/// the folder: each name that is the pattern's prefix, the frame number, and an extension.
enum FrameFiles {
    struct Frame: Sendable {
        var frame: Int
        var path: String
        var exists: Bool
    }

    static func list(_ render: FrameRenderRow) -> [Frame] {
        let wanted = (try? FrameSpec(parsing: render.spec).frames) ?? []
        let folder = Environment.directory(of: render.pattern)
        let stem = (render.pattern as NSString).lastPathComponent.prefix { $0 != "#" }
        var found: [Int: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(stem) {
            let rest = name.dropFirst(stem.count)
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let frame = Int(digits), rest.dropFirst(digits.count).hasPrefix(".") else { continue }
            if found[frame] == nil || name.hasSuffix(".png") { found[frame] = folder + "/" + name }
        }
        return wanted.map { frame in
            Frame(frame: frame, path: found[frame] ?? "", exists: found[frame] != nil)
        }
    }
}
