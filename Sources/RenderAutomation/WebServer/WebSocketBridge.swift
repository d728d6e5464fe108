import Hummingbird
import HummingbirdWebSocket
import LuaBridge
import NIOCore
import NIOWebSocket
import Synchronization

/// The NIO side of `webServer.webSocket`: it asks the loop whether to upgrade, then pumps
/// messages both ways. Like `HTTPServer`, it never touches Lua; each event is posted to the
/// script's loop as plain data.
enum WebSocketBridge {
    /// Frames larger than this close the connection (messageTooLarge).
    static let maxFrameSize = 1 << 20
    /// A message (its frames together) larger than this closes the connection.
    static let maxMessageSize = 16 << 20

    private static let lastID = Atomic<Int>(0)

    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    static func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel, settings: WebServerSettings, mailbox: Mailbox
    ) async -> ShouldUpgradeResult<Handler> {
        let connection = WebSocketConnection(id: lastID.add(1, ordering: .relaxed).newValue)
        let target = head.path ?? "/"
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        let request = WebRequestData(
            method: head.method.rawValue,
            path: path,
            query: query,
            headers: head.headerFields.map { ($0.name.canonicalName, $0.value) },
            host: head.authority ?? "",
            body: [],
            clientAddress: channel.remoteAddress?.ipAddress ?? "",
            debug: settings.debug,
            port: channel.localAddress?.port ?? settings.port)
        mailbox.post { scheduler in
            guard let runtime = ScriptRuntime.of(scheduler.state) else { return connection.decide() }
            runtime.webServer.connectWebSocket(request, connection)
        }
        guard await connection.waitForDecision() else { return .dontUpgrade }
        return .upgrade([:]) { inbound, outbound, _ in
            await pump(connection, inbound: inbound, outbound: outbound, mailbox: mailbox)
        }
    }

    private static func pump(
        _ connection: WebSocketConnection, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, mailbox: Mailbox
    ) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in connection.outgoing {
                    switch message {
                    case .text(let text):
                        try? await outbound.write(.text(text))
                    case .binary(let bytes):
                        try? await outbound.write(.binary(NIOCore.ByteBuffer(bytes: bytes)))
                    case .close(let code, let reason):
                        try? await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason.isEmpty ? nil : reason)
                    }
                }
            }
            var code = 1000
            do {
                for try await message in inbound.messages(maxSize: maxMessageSize) {
                    let (value, binary): (LuaValue, Bool) = switch message {
                    case .text(let text): (.string(text), false)
                    case .binary(let buffer): (.bytes(Array(buffer.readableBytesView)), true)
                    }
                    mailbox.post { scheduler in
                        ScriptRuntime.of(scheduler.state)?.webServer.webSocketReceived(connection, value, binary: binary)
                    }
                }
            } catch {
                code = 1006  // abnormal closure: the connection broke, or the client broke the protocol
            }
            connection.finish()
            let closedWith = code
            mailbox.post { scheduler in
                ScriptRuntime.of(scheduler.state)?.webServer.webSocketClosed(connection, code: closedWith)
            }
        }
    }
}
