import LuaBridge

/// The loop's side of `webServer.webSocket(path, {connect=, receive=, disconnect=})`: each
/// event (a connection asking to open, a message, the end) runs the Lua WebSocket dispatcher
/// as a task of its own, as requests do.
extension WebServerHost {
    /// What a WebSocket event hands the Lua dispatcher.
    enum WebSocketEvent {
        case connect(WebRequestData)
        case receive(LuaValue, binary: Bool)
        case disconnect(code: Int)
    }

    /// A client asks to upgrade: `connect` decides (by calling `ws:accept()`); a path with no
    /// WebSocket handler is refused at once, and its request goes on as plain HTTP.
    func connectWebSocket(_ request: WebRequestData, _ connection: WebSocketConnection) {
        guard webSocketDispatcher != nil else {
            connection.decide()
            return
        }
        webSockets[connection.id] = connection
        run(.connect(request), on: connection) { [weak self] in
            if !connection.isAccepted { self?.webSockets[connection.id] = nil }
            connection.decide()
        }
    }

    func webSocketReceived(_ connection: WebSocketConnection, _ message: LuaValue, binary: Bool) {
        guard webSockets[connection.id] != nil else { return }
        run(.receive(message, binary: binary), on: connection) {}
    }

    func webSocketClosed(_ connection: WebSocketConnection, code: Int) {
        guard webSockets[connection.id] != nil else { return }
        run(.disconnect(code: code), on: connection) { [weak self] in self?.webSockets[connection.id] = nil }
    }

    /// The open connection `id` (nil once it has closed): what `ws:send` and `ws:close` reach.
    func webSocket(_ id: Int) -> WebSocketConnection? { webSockets[id] }

    private func run(_ event: WebSocketEvent, on connection: WebSocketConnection, then done: @escaping () -> Void) {
        guard let dispatcher = webSocketDispatcher else { return done() }
        let arguments: [LuaValue]
        let name: String
        switch event {
        case .connect(let request):
            arguments = [.string("connect"), .int(Int64(connection.id)), request.luaValue]
            name = "websocket connect \(request.path.prefix(200))"
        case .receive(let message, let binary):
            arguments = [.string("receive"), .int(Int64(connection.id)), message, .string(binary ? "binary" : "text")]
            name = "websocket \(connection.id) receive"
        case .disconnect(let code):
            arguments = [.string("disconnect"), .int(Int64(connection.id)), .int(Int64(code))]
            name = "websocket \(connection.id) disconnect"
        }
        let task = runtime.scheduler.spawn(dispatcher, arguments: arguments, name: name) { [weak self] result in
            if case .failure(let error) = result {
                self?.runtime.errorReporter("rscript: error in \(name): \(error)")
            }
            done()
        }
        if let timeout = settings.requestTimeout { runtime.scheduler.setDeadline(task, seconds: timeout) }
    }
}
