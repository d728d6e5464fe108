import Hummingbird
import NIOCore

/// Hummingbird's per-request context, plus the peer's address (`request:clientAddress()`).
struct WebRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientAddress: String
    /// The port the connection came in on.
    let localPort: Int
    /// The connection's event loop, for the request's fallback 504 timer.
    let eventLoop: any EventLoop

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? ""
        localPort = source.channel.localAddress?.port ?? 0
        eventLoop = source.channel.eventLoop
    }
}
