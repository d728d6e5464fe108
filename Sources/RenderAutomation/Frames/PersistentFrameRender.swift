import LuaBridge

/// `rscript render SCENE.blend --renderer Blender --frames SPEC --persistent`: the range rendered
/// by `--workers` persistent Blender clients (`rscript.blender`), each started once, frames
/// handed to whichever is free. The Lua side is `rscript/internal/persistent_frames.lua`; this
/// passes it the request as JSON, hears what it does through `rscript.internal.frames`
/// (`PersistentFrameProgress`: the `--json` events and the database records, one chunk per
/// frame), and turns the outcome into the exit code (0: every frame is there, 1: some are not,
/// 130: Ctrl-C).
public struct PersistentFrameRender {
    public var request: FrameRenderRequest
    /// Print the `--json` events (stdout then has nothing else) instead of lines for people.
    public var json = false
    /// The database that records the render: nil for the default (the gallery's), "" for none.
    public var databasePath: String?

    public init(request: FrameRenderRequest) { self.request = request }

    /// Renderers that have persistent clients.
    public static let renderers: Set<String> = ["Blender"]

    public func run(in runtime: ScriptRuntime) -> Int32 {
        guard let library = runtime.options.libraryDirectory ?? Environment.libraryDirectory() else {
            StandardError.write("rscript: cannot find rscript's Lua library folder (scripts/lib): set RSCRIPT_HOME\n")
            return 1
        }
        let layout: (folder: String, pattern: String)
        do {
            layout = try request.outputLayout()
        } catch {
            StandardError.write("rscript: --output: \(error)\n")
            return 1
        }
        var config: [String: JSONValue] = [
            "scene": .string(request.scene),
            "frames": .array(request.spec.frames.map { .int(Int64($0)) }),
            "workers": .int(Int64(request.workers)),
            "folder": .string(layout.folder),
            "pattern": .string(layout.pattern),
            "skip": .bool(request.skipExisting),
        ]
        if let resolution = request.resolution {
            config["resolution"] = .array([.int(Int64(resolution.x)), .int(Int64(resolution.y))])
        }
        if let camera = request.cameraPath { config["camera"] = .string(camera) }
        var options: [String: JSONValue] = [:]
        for (key, value) in request.pluginOptions {
            switch value {
            case .string(let s): options[key] = .string(s)
            case .int(let n): options[key] = .int(n)
            case .double(let d): options[key] = .double(d)
            case .bool(let b): options[key] = .bool(b)
            default: options[key] = .string("\(value)")
            }
        }
        config["options"] = .object(options)
        config["json"] = .bool(json)
        var recorder: PersistentFrameRecorder?
        if databasePath != "" {
            let path = databasePath ?? GalleryStore.defaultPath()
            do {
                recorder = try PersistentFrameRecorder(path: path, runtime: runtime)
            } catch {
                StandardError.write("rscript: \(error)\n")
                return 1
            }
        }
        let row = FrameStore.NewRender(label: request.label, scene: FrameRender.absolute(request.scene), spec: request.spec.text,
                                       output: layout.folder, pattern: layout.pattern, workers: request.workers,
                                       frames: request.spec.frames.count, skipped: 0)
        let progress = PersistentFrameProgress(frames: request.spec.frames, folder: layout.folder, pattern: layout.pattern,
                                               json: json, row: row, recorder: recorder)
        progress.preload(in: runtime)
        let outcome = runtime.runFile(library + "/rscript/internal/persistent_frames.lua",
                                      arguments: [JSONValue.object(config).jsonText])
        switch outcome {
        case .success:
            let state = progress.end(interrupted: false, succeeded: (runtime.requestedExitStatus ?? 0) == 0)
            return state == .finished ? 0 : 1
        case .failure(let error):
            StandardError.write("rscript: \(error.kind == .file ? error.message : error.description)\n")
            _ = progress.end(interrupted: false, succeeded: false)
            return 1
        case .interrupted:
            _ = progress.end(interrupted: true, succeeded: false)
            StandardError.write("rscript: interrupted\n")
            return 130
        }
    }
}
