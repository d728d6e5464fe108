import ArgumentParser
import LuaBridge
import RenderAutomation

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a scene with a background-renderer plugin.",
        discussion: """
            Plugins are found in backgroundrenderers/ under each entry of RSCRIPT_PLUGIN_PATH, where \
            `&` stands for ~/.config/rscript, then the plugins shipped with rscript (unset: `&`; \
            `rscript renderers` lists them). The render is recorded in the gallery database as it goes \
            (`rscript gallery watch ID` from another shell). Exit status: 0 finished, 1 failed, \
            2 stopped, 130 after Ctrl-C (the plugin's stopBackgroundRender runs first).

            With --frames, renders a range of frames instead: the frames are cut into chunks, \
            each rendered by one renderer process, up to --workers at once; frames whose image \
            is already there and whole are skipped; failed chunks are retried. Images go to \
            --output (default ./frames), one log per chunk to its logs/ folder. Exit status: 0 \
            when every frame is rendered, 1 otherwise, 130 after Ctrl-C. See docs/frames.md.

            With --farm slurm, the chunks go to a Slurm cluster as one job array (--workers K: at \
            most K tasks at once), each task running rscript on a node; Ctrl-C cancels the \
            arrays. See docs/slurm.md.

              rscript render orbit.pov --renderer POV-Ray --frames 1-24 --workers 2
              rscript render orbit.pov --renderer POV-Ray --frames 1-240 --farm slurm
            """
    )

    @Argument(help: "The scene file to render.")
    var scene: String

    @Option(help: ArgumentHelp("The renderer's label, e.g. \"POV-Ray\".", valueName: "LABEL"))
    var renderer: String

    @OptionGroup var render: RenderRequestFlags

    @OptionGroup(title: "Frame ranges") var frameFlags: FrameRenderFlags

    @OptionGroup var runtimeFlags: RuntimeFlags

    func validate() throws {
        try frameFlags.validateFrames()
        if frameFlags.frames != nil, render.timeout != nil {
            throw ValidationError("--timeout is for single renders; with --frames, --stall S kills a renderer that prints nothing for S seconds")
        }
    }

    func run() throws {
        if let spec = try frameFlags.spec() {
            try runFrames(spec)
            return
        }
        var session = RenderSession(request: render.request(label: renderer, scene: scene))
        session.json = render.json
        session.databasePath = render.db
        var runtimeOptions = runtimeFlags.runtimeOptions()
        runtimeOptions.handlesInterrupt = true
        let runtime = try ScriptRuntime(options: runtimeOptions)
        let status = session.run(in: runtime)
        if status != 0 { throw ExitCode(status) }
    }

    private func runFrames(_ spec: FrameSpec) throws {
        var request = FrameRenderRequest(label: renderer, scene: scene, spec: spec, workers: frameFlags.workers ?? FrameRenderSession.defaultWorkers)
        frameFlags.apply(to: &request)
        request.resolution = render.resolution
        request.cameraPath = render.camera
        request.renderSettingsPath = render.renderSettings
        for option in render.options {
            if let (key, value) = RenderManager.Request.parseOption(option) { request.pluginOptions[key] = value }
        }
        if frameFlags.persistent {
            guard PersistentFrameRender.renderers.contains(renderer) else {
                throw ValidationError("--persistent: \(renderer) has no persistent clients (those that do: \(PersistentFrameRender.renderers.sorted().joined(separator: ", ")))")
            }
            var runtimeOptions = runtimeFlags.runtimeOptions()
            runtimeOptions.handlesInterrupt = true
            var persistent = PersistentFrameRender(request: request)
            persistent.json = render.json
            persistent.databasePath = render.db
            let status = persistent.run(in: try ScriptRuntime(options: runtimeOptions))
            if status != 0 { throw ExitCode(status) }
            return
        }
        var session = FrameRenderSession(request: request)
        session.json = render.json
        session.databasePath = render.db
        var runtimeOptions = runtimeFlags.runtimeOptions()
        runtimeOptions.handlesInterrupt = true
        let runtime = try ScriptRuntime(options: runtimeOptions)
        let status = session.run(in: runtime)
        if status != 0 { throw ExitCode(status) }
    }
}
