import LuaBridge

/// What `rscript render SCENE --frames SPEC ...` asks for.
public struct FrameRenderRequest {
    public var label: String
    public var scene: String
    public var spec: FrameSpec
    /// How many chunks render at once (each in one renderer process).
    public var workers: Int
    public var chunkSize: FrameChunking.Size = .auto
    /// A folder (the images are `<folder>/<scene>_####.<ext>`) or a pattern with `#`s.
    public var output = "frames"
    /// Skip frames whose image already exists and is whole (`--no-skip` turns it off).
    public var skipExisting = true
    /// How many times a failed chunk's missing frames are tried again.
    public var retries = 2
    /// Kill a renderer that prints nothing for this many seconds (then retry its frames).
    public var stallSeconds: Double?
    public var resolution: (x: Int, y: Int)?
    public var cameraPath: String?
    /// The RenderSettings prim's path (`--rendersettings`): `options.viewport.rendersettings_path`.
    public var renderSettingsPath: String?
    public var pluginOptions: [String: LuaValue] = [:]
    /// `--farm slurm`: the chunks go to Slurm as job arrays instead of local processes.
    public var slurm: SlurmFarmOptions?

    public init(label: String, scene: String, spec: FrameSpec, workers: Int) {
        self.label = label
        self.scene = scene
        self.spec = spec
        self.workers = workers
    }

    /// The output folder and the frame pattern (absolute): `output` when it holds `#`, else
    /// `<output>/<scene name>_####`.
    func outputLayout() throws -> (folder: String, pattern: String) {
        let absolute = String(decoding: try FSPath.absolute(Array(output.utf8)), as: UTF8.self)
        if output.contains("#") {
            return (String(decoding: FSPath.dirname(Array(absolute.utf8)), as: UTF8.self), absolute)
        }
        var stem = String(decoding: FSPath.basename(Array(scene.utf8)), as: UTF8.self)
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex { stem = String(stem[..<dot]) }
        stem = String(stem.map { $0 == "#" || $0 == "%" ? "_" : $0 })
        return (absolute, absolute + "/" + (stem.isEmpty ? "frame" : stem) + "_####")
    }

    /// The options table the plugin gets, as for a single render: `{plugin=, viewport=}`.
    var luaOptions: LuaValue {
        var viewport: [String: LuaValue] = [:]
        if let resolution {
            viewport["res_x"] = .int(Int64(resolution.x))
            viewport["res_y"] = .int(Int64(resolution.y))
        }
        if let cameraPath { viewport["camera_path"] = .string(cameraPath) }
        if let renderSettingsPath { viewport["rendersettings_path"] = .string(renderSettingsPath) }
        return .object(["plugin": .object(pluginOptions), "viewport": .object(viewport)])
    }
}
