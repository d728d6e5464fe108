import Hummingbird

/// Hummingbird's per-request context, plus the peer's address (`request:clientAddress()`).
struct WebRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientAddress: String
    /// The port the connection came in on.
    let localPort: Int

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? ""
        localPort = source.channel.localAddress?.port ?? 0
    }
}
