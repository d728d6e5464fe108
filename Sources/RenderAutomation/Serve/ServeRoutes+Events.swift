import Foundation
import Hummingbird
import NIOCore

extension ServeRoutes {
    /// `text/event-stream` until the client leaves or the server stops. What the client missed
    /// since its `Last-Event-ID` (header, or `?lastEventId=` for a first connection) comes first.
    func eventStream(_ request: ServeRequest) -> Response {
        let last = request.headers[HTTPFields.Element.Name("Last-Event-ID")!] ?? request.query["lastEventId"]
        guard let subscription = events.subscribe(lastEventID: last) else {
            return ServeResponse.error(ServeError(.serviceUnavailable, "too many event subscribers (\(ServeEvents.maxSubscribers)), or the server is stopping"))
        }
        let boot = events.boot
        let events = self.events
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                      HTTPFields.Element.Name("X-Accel-Buffering")!: "no"],
            body: ResponseBody { writer in
                defer { events.unsubscribe(subscription.id) }
                var opening = "retry: 2000\n: rscript serve events\n\n"
                for event in subscription.replay { opening += event.text(boot: boot) }
                try await writer.write(NIOCore.ByteBuffer(string: opening))
                for await event in subscription.stream {
                    try await writer.write(NIOCore.ByteBuffer(string: event.kind.isEmpty ? ": keep-alive\n\n" : event.text(boot: boot)))
                }
                try await writer.finish(nil)
            })
    }
}
