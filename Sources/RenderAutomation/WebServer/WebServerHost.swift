import LuaBridge
import ServiceLifecycle

/// The loop's side of the web server (one per runtime, as Houdini has one per session): the
/// Lua dispatcher, the bound port, and the tasks waiting for the server to start or stop.
/// Confined to the loop's thread; the server's threads reach it only through the mailbox.
final class WebServerHost {
    unowned let runtime: ScriptRuntime
    /// The Lua function that turns a request table into a response table (the Lua half of
    /// `rscript.webserver` sets it).
    var dispatcher: LuaFunction?
    /// The Lua function that runs WebSocket events: `(event, id, payload [, kind])`.
    var webSocketDispatcher: LuaFunction?
    /// Open (or opening) WebSocket connections, by id.
    var webSockets: [Int: WebSocketConnection] = [:]
    private(set) var settings = WebServerSettings()
    /// The bound port while the server is listening.
    private(set) var port: Int?
    /// Every bound port, the main one first (`ports` adds to it).
    private(set) var ports: [Int] = []
    private var group: ServiceGroup?
    private var startToken: LuaScheduler.WakeToken?
    private var shutdownWaiters: [LuaScheduler.WakeToken] = []
    /// Routes the server answers in Swift before the Lua handlers (`rscript serve` sets them).
    var builtInRoutes: (any BuiltInRoutes)?
    /// Requests handed to the dispatcher and not answered yet.
    private(set) var pendingRequests = 0

    init(runtime: ScriptRuntime) {
        self.runtime = runtime
    }

    var isRunning: Bool { group != nil }
    var isInDebugMode: Bool { isRunning && settings.debug }

    /// Starts the server; the task waiting on `token` wakes with the port, or raises the reason
    /// the server could not listen.
    func start(_ settings: WebServerSettings, token: LuaScheduler.WakeToken) {
        var settings = settings
        settings.builtIn = builtInRoutes
        self.settings = settings
        startToken = token
        let scheduler = runtime.scheduler
        let mailbox = scheduler.mailbox
        scheduler.hold()  // the loop lives while the server does
        group = HTTPServer.start(settings, mailbox: mailbox, events: .init(
            listening: { ports in mailbox.post { ScriptRuntime.of($0.state)?.webServer.listening(on: ports) } },
            failed: { reason in mailbox.post { ScriptRuntime.of($0.state)?.webServer.failed(reason) } },
            stopped: { mailbox.post { ScriptRuntime.of($0.state)?.webServer.stopped() } }))
        // Ctrl-C (or the main chunk failing) stops the server with the runtime.
        runtime.onStop { [weak self] in self?.requestShutdown() }
    }

    private func listening(on ports: [Int]) {
        let port = ports[0]
        self.port = port
        self.ports = ports
        for bound in ports { StandardError.write("listening on http://\(settings.address):\(bound)\n") }
        if let token = startToken { runtime.scheduler.resolve(token, with: [.int(Int64(port))]) }
        startToken = nil
    }

    private func failed(_ reason: String) {
        let which = settings.extraPorts.isEmpty ? "port \(settings.port)" : "ports \(([settings.port] + settings.extraPorts).map(String.init).joined(separator: ", "))"
        let message = "webServer.OperationFailed: cannot listen on \(which) of \(settings.address): \(reason)"
        if let token = startToken {
            runtime.scheduler.resolve(token, raising: message)
        } else {
            runtime.errorReporter("rscript: \(message)")
        }
        startToken = nil
    }

    private func stopped() {
        settings.builtIn?.stop()
        group = nil
        port = nil
        ports = []
        runtime.scheduler.release()
        let waiters = shutdownWaiters
        shutdownWaiters = []
        for token in waiters { runtime.scheduler.resolve(token) }
    }

    /// Stops accepting connections; requests already in progress are answered first.
    func requestShutdown() {
        guard let group else { return }
        // Event streams never end by themselves: they would hold the graceful shutdown open.
        settings.builtIn?.stop()
        Task { await group.triggerGracefulShutdown() }
    }

    /// Wakes the task waiting on `token` once the server has stopped (at once if it has).
    func whenStopped(_ token: LuaScheduler.WakeToken) {
        if isRunning { shutdownWaiters.append(token) } else { runtime.scheduler.resolve(token) }
    }

    /// Runs the dispatcher for one request as a task of its own, and hands its answer to `reply`.
    func dispatch(_ request: WebRequestData, reply: @escaping @Sendable (WebReply) -> Void) {
        guard let dispatcher else {
            reply(.error(503, "the web server has no handlers"))
            return
        }
        guard pendingRequests < settings.maxPendingRequests else {
            reply(.error(503, "the server is busy: \(pendingRequests) requests are in progress (settings.MAX_PENDING_REQUESTS)"))
            return
        }
        pendingRequests += 1
        let name = "web request \(request.method) \(request.path.prefix(200))"
        let debug = settings.debug
        let timeout = settings.requestTimeout
        let task = runtime.scheduler.spawn(dispatcher, arguments: [request.luaValue], name: name) { [weak self] result in
            self?.pendingRequests -= 1
            switch result {
            case .success(let values):
                reply(WebReply(luaValue: values.first ?? .nil))
            case .failure(let error) where error.kind == .deadline:
                self?.runtime.errorReporter("rscript: \(name) was stopped: \(error.message)")
                reply(.error(504, Self.timeoutMessage(timeout ?? 0)))
            case .failure(let error):
                self?.runtime.errorReporter("rscript: error in \(name): \(error)")
                let stopping = error.kind == .interrupted
                reply(.error(stopping ? 503 : 500, stopping ? "the server is stopping" : debug ? error.message : "internal server error"))
            }
        }
        // A runaway handler is ended, not only answered for: the hook stops it while it runs,
        // and the call it waits in raises while it waits (LuaScheduler.setDeadline).
        if let timeout { runtime.scheduler.setDeadline(task, seconds: timeout) }
    }

    static func timeoutMessage(_ seconds: Double) -> String {
        "the handler did not answer within \(SecondsText.exact(seconds)) (settings.REQUEST_TIMEOUT)"
    }
}
