import Foundation

extension RenderSnapshot {
    /// The snapshot as one JSON object (what `rscript gallery show --json` prints):
    /// `id`, `label`, `renderer`, `scene`, `options`, `state`, `orphaned`, `imagePaths`
    /// (`[{path, time}]`, oldest first), `imageCount`, `metadata`, `startedAt`, `endedAt`,
    /// `updatedAt` (ISO 8601 UTC strings), `duration` (seconds), `logPath`, `workDir`,
    /// `error` (`{message, traceback}`), `pid`, `changeCount`. Missing values are `null`.
    public func jsonValue(now: Date = Date()) -> JSONValue {
        func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        let images: [JSONValue] = imagePaths.map {
            .object(["path": .string($0.path), "time": .string(GalleryFormat.isoTime($0.time))])
        }
        let failure: JSONValue = error.map {
            .object(["message": .string($0.message), "traceback": optional($0.traceback)])
        } ?? .null
        return .object([
            "id": .int(id),
            "label": .string(label),
            "renderer": .string(renderer),
            "scene": .string(scene),
            "options": options,
            "state": .string(state.rawValue),
            "orphaned": .bool(isOrphaned),
            "imagePaths": .array(images),
            "imageCount": .int(Int64(imageCount)),
            "metadata": .object(metadata),
            "startedAt": .string(GalleryFormat.isoTime(startedAt)),
            "endedAt": endedAt.map { .string(GalleryFormat.isoTime($0)) } ?? .null,
            "updatedAt": .string(GalleryFormat.isoTime(updatedAt)),
            "duration": .double((duration(now: now) * 1000).rounded() / 1000),
            "logPath": optional(logPath),
            "workDir": optional(workDir),
            "error": failure,
            "pid": pid.map { .int(Int64($0)) } ?? .null,
            "changeCount": .int(changeCount),
        ])
    }
}
