import ArgumentParser
import RenderAutomation

/// The flags of one render, shared by `rscript render` and `rscript run my_renderer.lua SCENE`.
struct RenderRequestFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Resolution, WIDTHxHEIGHT.", valueName: "WxH"))
    var res: String?

    @Option(help: ArgumentHelp("Camera path for the renderer.", valueName: "PATH"))
    var camera: String?

    @Option(name: .customLong("rendersettings"), help: ArgumentHelp("The RenderSettings prim's path (options.viewport.rendersettings_path).", valueName: "PATH"))
    var renderSettings: String?

    @Option(name: .customLong("option"), help: ArgumentHelp("A plugin option (repeatable).", valueName: "KEY=VALUE"))
    var options: [String] = []

    @Option(help: ArgumentHelp("Stop the render after this many seconds (it then fails).", valueName: "S"))
    var timeout: Double?

    @Option(help: ArgumentHelp("The gallery database (default: $RSCRIPT_DB or ~/.local/share/rscript/rscript.db).", valueName: "PATH"))
    var db: String?

    @Flag(help: "Print progress as JSON events, one object per line.")
    var json = false

    func validate() throws {
        if let res, RenderManager.Request.parseResolution(res) == nil {
            throw ValidationError("--res must look like 640x480, got '\(res)'")
        }
        for option in options where RenderManager.Request.parseOption(option) == nil {
            throw ValidationError("--option must look like KEY=VALUE, got '\(option)'")
        }
        if let timeout, !(timeout > 0) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
    }

    /// The resolution and the plugin options, parsed (`validate` has checked them).
    var resolution: (x: Int, y: Int)? { res.flatMap(RenderManager.Request.parseResolution) }

    /// A request for `scene` with `label`, carrying these flags.
    func request(label: String, scene: String) -> RenderManager.Request {
        var request = RenderManager.Request(label: label, scene: scene)
        request.resolution = resolution
        request.cameraPath = camera
        request.renderSettingsPath = renderSettings
        request.timeout = timeout
        for option in options {
            if let (key, value) = RenderManager.Request.parseOption(option) { request.pluginOptions[key] = value }
        }
        return request
    }
}

/// `rscript run my_renderer.lua SCENE [--renderer LABEL] [render flags]`: what follows the
/// script when it registers background renderers.
struct ScriptRenderFlags: ParsableArguments {
    @Argument(help: "The scene file to render.")
    var scene: String?

    @Option(help: ArgumentHelp("The renderer's label; needed when the script registers several.", valueName: "LABEL"))
    var renderer: String?

    @OptionGroup var render: RenderRequestFlags

    /// Parses the script's arguments (ArgumentParser's own messages, exit status 2).
    static func parser(file: String) -> ScriptLauncher.RenderArgumentParser {
        { arguments in
            do {
                let flags = try ScriptRenderFlags.parse(arguments)
                var render = ScriptLauncher.ScriptRender(request: flags.render.request(label: "", scene: flags.scene ?? ""),
                                                         usage: usage(file: file))
                render.scene = flags.scene
                render.label = flags.renderer
                render.json = flags.render.json
                render.databasePath = flags.render.db
                return .success(render)
            } catch {
                return .failure(ScriptLauncher.UsageError(message: ScriptRenderFlags.message(for: error) + "\n" + usage(file: file)))
            }
        }
    }

    static func usage(file: String) -> String {
        "usage: rscript run \(file) SCENE [--renderer LABEL] [--res WxH] [--camera PATH] [--rendersettings PATH] [--option KEY=VALUE]... [--timeout S] [--json] [--db PATH]"
    }
}
