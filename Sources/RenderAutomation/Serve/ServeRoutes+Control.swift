import Foundation
import Hummingbird

extension ServeRoutes {
    /// Stop and click reach the process that runs the render, through its control channel
    /// (docs/control.md): the server is rarely that process.
    func controlRoutes() -> [ServeRoute] {
        [
            ServeRoute(method: .post, pattern: "/api/v1/renders/{id}/stop",
                       summary: "Stops a live render (its plugin's stopBackgroundRender runs in the process that owns it).") { [unowned self] request in
                let snapshot = try await liveRender(request.id())
                try await send(.stop(render: snapshot.id), to: snapshot)
                return ServeResponse.json(.object(["ok": true]))
            },
            ServeRoute(method: .post, pattern: "/api/v1/renders/{id}/click",
                       summary: "Clicks a live render's image at normalized x, y (0..1, y = 0 at the top): the plugin's mouseClick.",
                       body: #"{"x": 0.5, "y": 0.25}"#) { [unowned self] request in
                let body: JSONValue
                do {
                    body = try JSONValue(jsonText: String(decoding: request.body, as: UTF8.self))
                } catch {
                    throw ServeError.badRequest("the body must be JSON like {\"x\": 0.5, \"y\": 0.25}: \(error)")
                }
                guard let x = body["x"]?.doubleValue, let y = body["y"]?.doubleValue, x.isFinite, y.isFinite else {
                    throw ServeError.badRequest("the body needs numbers x and y, like {\"x\": 0.5, \"y\": 0.25}")
                }
                guard (0...1).contains(x), (0...1).contains(y) else {
                    throw ServeError.badRequest("x and y are normalized: each from 0 to 1 (got \(x), \(y))")
                }
                let snapshot = try await liveRender(request.id())
                try await send(.click(render: snapshot.id, x: x, y: y), to: snapshot)
                return ServeResponse.json(.object(["ok": true]))
            },
        ]
    }

    /// The render, if it is still rendering: an ended one (or one left by a dead process) is a 409.
    private func liveRender(_ id: Int64) async throws -> RenderSnapshot {
        let snapshot = try await render(id)
        guard snapshot.state == .rendering else {
            throw ServeError.conflict("render \(id) is \(snapshot.state.rawValue): only a live render can be stopped or clicked")
        }
        guard let pid = snapshot.pid else { throw ServeError.conflict("render \(id) records no process") }
        guard ProcessLiveness.isAlive(pid) else {
            throw ServeError.conflict("render \(id) was left rendering by process \(pid), which is gone")
        }
        return snapshot
    }

    private func send(_ command: RenderControlCommand, to snapshot: RenderSnapshot) async throws {
        let database = self.database.path
        let pid = snapshot.pid ?? 0
        do {
            _ = try await blocking { try RenderControlClient().send(command, toProcess: pid, database: database) }
        } catch let error as RenderControlError {
            switch error.kind {
            case .processGone, .notRunning: throw ServeError.conflict(error.message)
            case .timedOut: throw ServeError(.gatewayTimeout, error.message)
            default: throw ServeError(.badGateway, error.message)
            }
        }
    }
}
