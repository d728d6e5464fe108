import LuaBridge

/// Records renders in the gallery database, so `rscript gallery` in another process sees them
/// live.
public final class GalleryRecorder: RenderRecorder {
    public let store: GalleryStore

    public init(store: GalleryStore) { self.store = store }

    /// Throws `JSONValue.ConversionError` (naming the value, `options.plugin.ratio is nan...`)
    /// when the options cannot be stored: a render whose options were lost is not started.
    public func createRender(label: String, renderer: String, scene: String, options: LuaValue) throws -> Int64 {
        let json = try JSONValue(options, at: "options")
        return try store.createRender(label: label, renderer: renderer, scene: scene, options: json).id
    }

    public func makeWorkDir(id: Int64) throws -> String {
        try store.makeWorkDir(id: id)
    }

    public func setLogPath(id: Int64, path: String) throws {
        try store.setPaths(id: id, logPath: path)
    }

    public func appendImage(id: Int64, path: String) throws {
        try store.appendImage(id: id, path: path)
    }

    /// Throws `JSONValue.ConversionError` for a value JSON cannot hold (`updateMetadata` checks
    /// the plugin's table first, so the plugin gets the error).
    public func mergeMetadata(id: Int64, _ patch: [String: LuaValue]) throws {
        var json: [String: JSONValue] = [:]
        for (key, value) in patch {
            json[key] = try JSONValue(value, at: "metadata.\(key)")
        }
        try store.mergeMetadata(id: id, json)
    }

    public func finish(id: Int64, state: RenderState, error: String?) throws {
        let failure = error.map { text -> RenderSnapshot.Failure in
            if let range = text.range(of: "\nstack traceback:") {
                return RenderSnapshot.Failure(message: String(text[..<range.lowerBound]), traceback: String(text[text.index(after: range.lowerBound)...]))
            }
            return RenderSnapshot.Failure(message: text)
        }
        _ = try store.finish(id: id, state: state, error: failure)
    }
}
