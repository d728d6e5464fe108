import LuaBridge

/// Starting a render: checking the request, recording it, and spawning its driver task.
extension RenderManager {
    /// Starts a render. Throws before anything starts for an unknown label (the message lists the
    /// known ones) or a missing scene file.
    @discardableResult
    public func start(_ request: Request) throws -> BackgroundRender {
        let prepared = try prepare(request)
        let id: Int64
        let workDir: String
        do {
            let recorder = try self.recorder
            id = try recorder.createRender(label: prepared.entry.label, renderer: prepared.entry.className,
                                           scene: request.scene, options: prepared.options)
            workDir = try recorder.makeWorkDir(id: id)
        } catch {
            throw StartError(description: "\(error)")
        }
        return launch(prepared, id: id, workDir: workDir)
    }

    /// Starts a render without making the loop wait for the database: `then` runs on the loop
    /// with the render once its row and work folder are recorded, or with why it could not
    /// start. `shouldLaunch` is asked then: false (the caller went away) records the render as
    /// stopped instead. The label and scene are checked at once (thrown).
    public func start(_ request: Request, shouldLaunch: @escaping () -> Bool = { true },
                      then: @escaping (Result<BackgroundRender, StartError>) -> Void) throws {
        let prepared = try prepare(request)
        let recorder: RenderRecorder
        do {
            recorder = try self.recorder
        } catch {
            throw StartError(description: "\(error)")
        }
        recorder.createRender(label: prepared.entry.label, renderer: prepared.entry.className,
                              scene: request.scene, options: prepared.options) { [weak self] created in
            guard let self else { return }
            switch created {
            case .failure(let error):
                then(.failure(StartError(description: "\(error)")))
            case .success(let (id, workDir)):
                guard shouldLaunch() else {
                    self.record { try $0.finish(id: id, state: .stopped, error: nil) }
                    return
                }
                then(.success(self.launch(prepared, id: id, workDir: workDir)))
            }
        }
    }

    /// A request checked and turned into the plugin's options.
    struct Prepared {
        let request: Request
        let entry: RendererCatalog.Entry
        let options: LuaValue
        let driver: LuaFunction
    }

    /// The chunk each render's task runs (loaded once).
    func driver() throws -> LuaFunction {
        if let loadedDriver { return loadedDriver }
        let driver = try runtime.loadInternalChunk("render_driver", chunkName: "=render driver")
        loadedDriver = driver
        return driver
    }

    func prepare(_ request: Request) throws -> Prepared {
        runtime.discoverRenderers()
        guard let entry = runtime.renderers.entry(label: request.label) else {
            throw StartError(description: runtime.renderers.unknownLabelError(request.label))
        }
        guard Environment.fileExists(request.scene) else {
            throw StartError(description: "scene file not found: \(request.scene)")
        }
        if Environment.isDirectory(request.scene) {
            throw StartError(description: "scene is a directory, not a file: \(request.scene)")
        }
        let viewport: [String: LuaValue] = [
            "res_x": request.resolution.map { .int(Int64($0.x)) } ?? .nil,
            "res_y": request.resolution.map { .int(Int64($0.y)) } ?? .nil,
            "camera_path": request.cameraPath.map { .string($0) } ?? .nil,
            "rendersettings_path": request.renderSettingsPath.map { .string($0) } ?? .nil,
        ].filter { !$0.value.isNil }
        let options: LuaValue = .object(["plugin": .object(request.pluginOptions), "viewport": .object(viewport)])
        let driver: LuaFunction
        do {
            driver = try self.driver()
        } catch {
            throw StartError(description: "\(error)")
        }
        return Prepared(request: request, entry: entry, options: options, driver: driver)
    }

    /// The recorded render's driver task, polling from the next turn.
    func launch(_ prepared: Prepared, id: Int64, workDir: String) -> BackgroundRender {
        let request = prepared.request
        let entry = prepared.entry
        let options = prepared.options
        let job = BackgroundRender(id: id, label: entry.label, className: entry.className, scene: request.scene, workDir: workDir)
        jobs[id] = job
        let context = RenderContext(job: job, manager: self)
        let state = runtime.state
        let task = runtime.scheduler.spawn(prepared.driver, name: "render \(id) (\(entry.label))", onFinish: { [unowned self] result in
            self.driverEnded(job, result)
        }) { L in
            state.push(object: context, on: L)
            entry.rendererClass.push(on: L)
            state.pushString(request.scene, on: L)
            try state.push(options, on: L)
            return 4
        }
        job.task = task
        jobsByTask[ObjectIdentifier(task)] = job
        offerToControlChannel(job)
        if let timeout = request.timeout {
            job.timeoutTimer = runtime.scheduler.after(timeout) { [unowned self] in
                self.stop(job, reason: .timeout(timeout))
            }
        }
        return job
    }
}
