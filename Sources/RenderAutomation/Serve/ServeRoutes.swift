import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The routes `rscript serve` answers in Swift, on the web server's own threads, before any Lua
/// handler: the REST API under `/api/v1/`, its events, `/metrics`, and the page. Lua stays free
/// for the studio's own handlers (`--script`), and a gallery read never waits for the script's loop.
protocol BuiltInRoutes: Sendable {
    /// The answer, or nil when the path is not one of these routes (Lua's handlers get it).
    func respond(to request: Request, context: WebRequestContext, security: WebSecurity) async -> Response?
    /// The server stops: end the streams that would hold it open.
    func stop()
}

/// Who may call: the host names the server answers to and the token, as the Lua half of
/// `rscript.webserver` checks them for its own handlers.
struct WebSecurity: Sendable {
    var token: String?
    /// Lower-case host names (without port); nil: any.
    var allowedHosts: Set<String>?

    func hostAllowed(_ authority: String?) -> Bool {
        guard let allowedHosts else { return true }
        let host = (authority ?? "").lowercased()
        let name: Substring
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            name = host[host.index(after: host.startIndex)..<end]
        } else {
            name = host.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        }
        return allowedHosts.contains(String(name))
    }

    /// The bearer header, the `rscript_token` cookie the page sets, or `?token=` (EventSource
    /// and `<img>` cannot send headers).
    func authorized(_ request: Request, query: [String: String]) -> Bool {
        guard let token else { return true }
        if request.headers[.authorization] == "Bearer " + token { return true }
        if query["token"] == token { return true }
        for cookie in request.headers[values: .cookie].flatMap({ $0.split(separator: ";") }) {
            let pair = cookie.trimmingCharacters(in: .whitespaces)
            if pair == "rscript_token=" + token { return true }
        }
        return false
    }
}

final class ServeRoutes: BuiltInRoutes {
    let database: ServeDatabase
    let events: ServeEvents
    let metrics: ServeMetrics
    let watcher: ServeWatcher
    let thumbnails: ThumbnailCache
    /// The placeholder reasons already logged (an unreadable image is asked for again and again).
    let loggedReasons = Mutex<Set<String>>([])
    /// Set once, at the end of `init` (the handlers capture the routes object).
    private let table = Mutex<[ServeRoute]>([])
    var routes: [ServeRoute] { table.withLock { $0 } }

    init(database: ServeDatabase) throws {
        self.database = database
        events = ServeEvents()
        metrics = ServeMetrics()
        try metrics.seed(from: database)
        watcher = ServeWatcher(database: database, events: events, metrics: metrics)
        thumbnails = ThumbnailCache.beside(database: database.path)
        let made = makeRoutes()
        table.withLock { $0 = made }
        try watcher.start()
    }

    func stop() {
        watcher.stop()
        events.close()
    }

    /// Prefixes that belong to the built-in routes: an unknown path under them is a JSON 404,
    /// not a Lua handler's business.
    static let ownedPrefixes = ["/api/v1/"]

    func respond(to request: Request, context: WebRequestContext, security: WebSecurity) async -> Response? {
        let path = request.uri.path
        let isPage = ServePage.asset(path) != nil
        let owned = isPage || path == "/metrics" || path == "/api/v1" || Self.ownedPrefixes.contains { path.hasPrefix($0) }
        guard owned else { return nil }
        let query = ServeQuery.parse(request.uri.query ?? "")
        guard security.hostAllowed(request.head.authority) else {
            return ServeResponse.error(.badRequest("host '\(request.head.authority ?? "")' is not in ALLOWED_HOSTS"))
        }
        if let asset = ServePage.asset(path), request.method == .get || request.method == .head {
            // The page itself is public: it holds no data, and it is what asks for the token.
            return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                            body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(bytes: asset.bytes)))
        }
        guard security.authorized(request, query: query) else {
            return ServeResponse.json(ServeJSON.error("unauthorized: send Authorization: Bearer TOKEN"), status: .unauthorized)
        }
        let parts = path.split(separator: "/")
        let matching = routes.compactMap { route in route.match(parts).map { (route, $0) } }
        guard !matching.isEmpty else { return ServeResponse.error(.notFound("no such route: \(path)")) }
        let method = request.method == .head ? .get : request.method
        guard let (route, parameters) = matching.first(where: { $0.0.method == method }) else {
            let allowed = matching.map(\.0.method.rawValue).sorted().joined(separator: ", ")
            var response = ServeResponse.error(ServeError(.methodNotAllowed, "method \(request.method.rawValue) is not allowed on \(path) (allowed: \(allowed))"))
            response.headers[.allow] = allowed
            return response
        }
        var body: [UInt8] = []
        if request.method == .post {
            var request = request
            guard let buffer = try? await request.collectBody(upTo: 64 * 1024) else {
                return ServeResponse.error(ServeError(.contentTooLarge, "the request body is larger than 64 KB"))
            }
            body = Array(buffer.readableBytesView)
        }
        let serveRequest = ServeRequest(parameters: parameters, query: query, headers: request.headers, body: body)
        do {
            return try await route.handler(serveRequest)
        } catch let error as ServeError {
            return ServeResponse.error(error)
        } catch let error as GalleryError where error.kind == .locked {
            return ServeResponse.error(ServeError(.serviceUnavailable, "\(error)"))
        } catch {
            StandardError.write("rscript: serve: \(request.method.rawValue) \(path): \(error)\n")
            return ServeResponse.error(ServeError(.internalServerError, "\(error)"))
        }
    }

    /// Runs a database read off the server's threads (GRDB's readers block).
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    private func makeRoutes() -> [ServeRoute] {
        renderRoutes() + controlRoutes() + thumbnailRoutes() + jobRoutes() + frameRoutes() + [
            ServeRoute(method: .get, pattern: "/api/v1/events", summary: "Server-sent events: render, image, job, chunk, frames and log changes (resume with Last-Event-ID).",
                       produces: "text/event-stream") { [unowned self] request in eventStream(request) },
            ServeRoute(method: .get, pattern: "/metrics", summary: "Prometheus metrics: renders, jobs and chunks by state, durations, attempts, active processes, event subscribers.",
                       produces: "text/plain") { [unowned self] _ in
                let text = try await blocking { [database, metrics, events] in try metrics.scrape(database, subscribers: events.subscriberCount) }
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(bytes: text)))
            },
            ServeRoute(method: .get, pattern: "/api/v1/openapi.json", summary: "This API's OpenAPI 3 description.") { [unowned self] _ in
                ServeResponse.json(ServeOpenAPI.document(routes))
            },
            listRoute("/api/v1/pool-tasks", summary: "Tasks submitted to rscript.pool pools, newest first.", key: "tasks",
                      states: ["queued", "running", "finished", "failed", "cancelled"], text: "label",
                      fetch: { try $0.poolTasks($1) }, json: { item, _ in item.jsonValue() }),
        ]
    }
}

extension ServeRoute {
    static func listQuery(text: String) -> [(name: String, about: String)] {
        [("state", "only items in this state"), (text, "only items whose \(text) contains this text"),
         ("limit", "page size, 1 to 1000 (default 50)"), ("before", "only ids below this one: the `next` of the previous page")]
    }
}

extension ServeRoutes {
    /// `GET` of a paged list: the filter checked, one page read off the server's threads, and
    /// `{KEY: [...], "next": ID, "total": N}`.
    func listRoute<Item: Sendable>(
        _ pattern: String, summary: String, key: String, states: [String], text: String,
        fetch: @escaping @Sendable (ServeDatabase, ServeDatabase.Filter) throws -> ServeDatabase.Page<Item>,
        json: @escaping @Sendable (Item, Date) -> JSONValue
    ) -> ServeRoute {
        ServeRoute(method: .get, pattern: pattern, summary: summary, query: ServeRoute.listQuery(text: text)) { [unowned self] request in
            let filter = try ServeQuery.filter(request, states: states, textParameter: text)
            let page = try await blocking { [database] in try fetch(database, filter) }
            let now = Date()
            return ServeResponse.json(.object([
                key: .array(page.items.map { json($0, now) }),
                "next": page.next.map(JSONValue.int) ?? .null, "total": .int(Int64(page.total)),
            ]))
        }
    }
}
