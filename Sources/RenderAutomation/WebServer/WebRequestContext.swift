import Hummingbird

/// Hummingbird's per-request context, plus the peer's address (`request:clientAddress()`).
struct WebRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? ""
    }
}
