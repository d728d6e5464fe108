import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import LuaBridge
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The Hummingbird side of `rscript.webserver`: it runs on NIO's threads and never touches
/// Lua. Each request is read whole (up to the size limit), posted to the script's loop as
/// plain data, and answered with what the loop sends back.
enum HTTPServer {
    /// What the loop hears about the server's life, each through the mailbox.
    struct Events: Sendable {
        let listening: @Sendable (_ ports: [Int]) -> Void
        let failed: @Sendable (_ reason: String) -> Void
        let stopped: @Sendable () -> Void
    }

    /// Starts serving; returns the group whose graceful shutdown stops the server.
    static func start(_ settings: WebServerSettings, mailbox: Mailbox, events: Events) -> ServiceGroup {
        let threads = MultiThreadedEventLoopGroup(numberOfThreads: settings.threads)
        var logger = Logger(label: "rscript.webserver")
        logger.logLevel = settings.debug ? .info : .critical
        let ports = [settings.port] + settings.extraPorts
        let http1 = HTTP1Channel.Configuration(idleTimeout: settings.idleTimeout.map { TimeAmount.milliseconds(Int64($0 * 1000)) })
        let bound = BoundPorts(count: ports.count)
        let deadlines = ReplyDeadlines(eventLoop: threads.next())
        let apps = ports.enumerated().map { index, port in
            Application(
                responder: CallbackResponder<WebRequestContext> { request, context in
                    if let baseline = settings.swiftBaselineRoute, request.uri.path == baseline {
                        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                                        body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(string: "<p>hello world</p>")))
                    }
                    if let builtIn = settings.builtIn,
                       let response = await builtIn.respond(to: request, context: context, security: settings.security) {
                        return response
                    }
                    let reply = await respond(to: request, context: context, settings: settings, mailbox: mailbox, deadlines: deadlines)
                    if let path = reply.filePath {
                        return FileReply.response(reply, path: path, range: request.headers[.range])
                    }
                    return reply.response
                },
                server: settings.webSockets
                    ? .http1WebSocketUpgrade(configuration: .init(http1: http1, ws: .init(maxFrameSize: WebSocketBridge.maxFrameSize))) { head, channel, _ in
                        await WebSocketBridge.shouldUpgrade(head, channel: channel, settings: settings, mailbox: mailbox)
                    }
                    : .http1(configuration: http1),
                configuration: .init(address: .hostname(settings.address, port: port), serverName: nil),
                onServerRunning: { channel in
                    // `run` returns once every port listens.
                    if let all = bound.record(channel.localAddress?.port ?? port, at: index) { events.listening(all) }
                },
                eventLoopGroupProvider: .shared(threads),
                logger: logger
            )
        }
        // No signals: Ctrl-C belongs to the runtime, which stops the server through its stop hooks.
        let group = ServiceGroup(configuration: .init(services: apps, logger: logger))
        Task {
            do {
                try await group.run()
            } catch {
                events.failed(describe(error))
            }
            try? await threads.shutdownGracefully()
            events.stopped()
        }
        return group
    }

    private static func respond(
        to request: Request, context: WebRequestContext, settings: WebServerSettings, mailbox: Mailbox,
        deadlines: ReplyDeadlines
    ) async -> WebReply {
        var request = request
        var body = NIOCore.ByteBuffer()
        let multipart = MultipartBody.boundary(of: request.headers[.contentType]).map { ($0, MultipartBody(threshold: settings.maxInMemoryUpload)) }
        // Temporary upload files last as long as the request.
        defer { multipart?.1.removeTemporaryFiles() }
        if let (boundary, parts) = multipart {
            do {
                try await parts.read(request.body, boundary: boundary, limit: settings.maxRequestSize)
            } catch let failure as MultipartBody.Failure {
                return .error(failure.status, failure.message)
            } catch {
                return .error(400, "the request body could not be read: \(error)")
            }
        } else {
            do {
                body = try await request.collectBody(upTo: settings.maxRequestSize)
            } catch {
                return .error(413, "the request body is larger than the server's limit of \(settings.maxRequestSize) bytes")
            }
        }
        var data = WebRequestData(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query ?? "",
            headers: request.headers.map { ($0.name.canonicalName, $0.value) },
            host: request.head.authority ?? "",
            body: Array(body.readableBytesView),
            clientAddress: context.clientAddress,
            debug: settings.debug,
            port: context.localPort)
        if let (_, parts) = multipart {
            data.form = parts.fields
            data.files = parts.files
        }
        let ready = data
        let reply = ReplyOnce()
        // The loop ends the handler at its deadline and answers 504; the sweep answers too (a
        // second later), in case the loop itself is busy in a long C call.
        let deadline = settings.requestTimeout.map { timeout in
            deadlines.add(reply, seconds: timeout + 1, answer: .error(504, WebServerHost.timeoutMessage(timeout)))
        }
        defer { if let deadline { deadlines.remove(deadline) } }
        mailbox.post { scheduler in
            guard let runtime = ScriptRuntime.of(scheduler.state) else {
                reply.answer(.error(503, "the script has stopped"))
                return
            }
            runtime.webServer.dispatch(ready) { reply.answer($0) }
        }
        return await withCheckedContinuation { reply.wait($0) }
    }

    /// The ports bound so far; complete once each application listens.
    private final class BoundPorts: Sendable {
        private let ports: Mutex<[Int?]>
        init(count: Int) { ports = Mutex(Array(repeating: nil, count: count)) }

        /// All the ports, main one first, when this was the last to bind.
        func record(_ port: Int, at index: Int) -> [Int]? {
            ports.withLock { ports in
                ports[index] = port
                let all = ports.compactMap { $0 }
                return all.count == ports.count ? all : nil
            }
        }
    }

    /// NIO's bind errors, said the way a person reads them.
    private static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode)) + " (errno \(io.errnoCode))"
        }
        return "\(error)"
    }
}

extension WebReply {
    var response: Response {
        var fields = HTTPFields()
        for (name, value) in headers {
            // A name that is not a valid token is the script's mistake; it is left out.
            guard let field = HTTPFields.Element.Name(name) else { continue }
            fields.append(HTTPFields.Element(name: field, value: value))
        }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: fields,
            body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(bytes: body)))
    }
}
