import LuaBridge

/// `require("rscript.gallery")`: start renders from Lua.
/// `startRender{ renderer=, scene=, res_x=, res_y=, camera=, rendersettings=, options=, timeout= }` returns a
/// `Render` handle: `id`, `state()`, `metadata()`, `imagePath()`, `images()`, `error()`,
/// `wait()` (suspends until it ends; returns its state), `stop()`, `mouseClick(x, y)`.
/// `renderers()` lists the known labels.
enum GalleryModule: RuntimeModule {
    static let name = "rscript.gallery"

    final class RenderHandle {
        let job: BackgroundRender
        init(job: BackgroundRender) { self.job = job }
    }

    static func open(in runtime: ScriptRuntime) {
        registerClass(in: runtime)
        runtime.state.pushModule("gallery", functions: [
            ("startRender", { [unowned runtime] call in
                guard call.luaType(1) == .table else { throw call.typeError(1, expected: "table") }
                let spec = try call.value(1)
                guard let label = spec["renderer"].stringValue else {
                    throw LuaArgumentError(position: 1, "renderer (a label) is required")
                }
                guard let scene = spec["scene"].stringValue else {
                    throw LuaArgumentError(position: 1, "scene (a file path) is required")
                }
                var request = RenderManager.Request(label: label, scene: scene)
                if let x = spec["res_x"].intValue, let y = spec["res_y"].intValue {
                    guard x > 0, y > 0 else { throw LuaArgumentError(position: 1, "res_x and res_y must be positive") }
                    request.resolution = (Int(x), Int(y))
                }
                request.cameraPath = spec["camera"].stringValue ?? spec["camera_path"].stringValue
                request.renderSettingsPath = spec["rendersettings"].stringValue ?? spec["rendersettings_path"].stringValue
                request.timeout = spec["timeout"].doubleValue
                switch spec["options"] {
                case .object(let o): request.pluginOptions = o
                case .nil, .array([]): break
                default: throw LuaArgumentError(position: 1, "options must be a table of name = value")
                }
                do {
                    let scheduler = runtime.scheduler
                    guard call.canSuspend, scheduler.currentTask != nil else {
                        let job = try runtime.renders.start(request)
                        call.push(object: RenderHandle(job: job))
                        return 1
                    }
                    // The task waits for the render's row, the loop does not (a locked database).
                    var token: LuaScheduler.WakeToken?
                    var immediate: Result<BackgroundRender, RenderManager.StartError>?
                    let stillWanted = { !runtime.interruptReceived && (token.map(scheduler.isPending) ?? true) }
                    try runtime.renders.start(request, shouldLaunch: stillWanted) { result in
                        guard let token else { return immediate = result }  // recorded in place
                        switch result {
                        case .success(let job):
                            scheduler.resolve(token) { L in
                                scheduler.state.push(object: RenderHandle(job: job), on: L)
                                return 1
                            }
                        case .failure(let error):
                            scheduler.resolve(token, raising: "gallery.startRender: \(error.description)")
                        }
                    }
                    if let immediate {
                        call.push(object: RenderHandle(job: try immediate.get()))
                        return 1
                    }
                    token = scheduler.suspendCurrentTask()
                    return call.suspend()
                } catch let error as RenderManager.StartError {
                    throw LuaScriptError("gallery.startRender: \(error.description)")
                }
            }),
            ("renderers", { [unowned runtime] call in
                runtime.discoverRenderers()
                try call.push(LuaValue.array(runtime.renderers.labels.map { .string($0) }))
                return 1
            }),
        ])
    }

    private static func registerClass(in runtime: ScriptRuntime) {
        var render = LuaClass<RenderHandle>("Render")
        render.property("id") { handle, call in
            call.push(handle.job.id)
            return 1
        }
        render.method("state") { handle, call in
            call.push(handle.job.state.rawValue)
            return 1
        }
        render.method("metadata") { handle, call in
            try call.push(LuaValue.object(handle.job.metadata))
            return 1
        }
        render.method("imagePath") { handle, call in
            if let path = handle.job.latestImage { call.push(path) } else { call.pushNil() }
            return 1
        }
        render.method("images") { handle, call in
            try call.push(LuaValue.array(handle.job.imagePaths.map { .string($0) }))
            return 1
        }
        render.method("error") { handle, call in
            if let error = handle.job.error { call.push(error) } else { call.pushNil() }
            return 1
        }
        render.method("stop") { [unowned runtime] handle, call in
            runtime.renders.stop(handle.job)
            return 0
        }
        render.method("mouseClick") { [unowned runtime] handle, call in
            let x = try call.number(2), y = try call.number(3)
            guard (0...1).contains(x), (0...1).contains(y) else {
                throw LuaArgumentError(position: 1, "x and y are normalized coordinates between 0 and 1")
            }
            runtime.renders.click(handle.job, x: x, y: y)
            return 0
        }
        render.method("wait") { [unowned runtime] handle, call in
            if handle.job.endAnnounced {
                call.push(handle.job.state.rawValue)
                return 1
            }
            guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                throw LuaScriptError("Render:wait: can only wait inside a task")
            }
            handle.job.whenEnded { job in
                runtime.scheduler.resolve(token, with: [.string(job.state.rawValue)])
            }
            return call.suspend()
        }
        render.description { "Render \($0.job.id) (\($0.job.label)): \($0.job.state.rawValue)" }
        runtime.state.register(render)
    }
}
