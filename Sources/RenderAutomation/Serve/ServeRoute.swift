import Foundation
import Hummingbird
import NIOCore

/// One built-in route: a method, a path pattern whose `{name}` parts are whole-number ids, and
/// what the OpenAPI description says of it. The table of routes is the one source of both the
/// routing and `/api/v1/openapi.json`, so the two cannot drift apart.
struct ServeRoute: Sendable {
    typealias Handler = @Sendable (ServeRequest) async throws -> Response

    var method: HTTPRequest.Method
    var pattern: String
    var summary: String
    /// Query parameters: name and description (all optional strings on the wire).
    var query: [(name: String, about: String)] = []
    /// The media type of a successful answer.
    var produces = "application/json"
    /// A JSON body the route reads (described in the OpenAPI document).
    var body: String?
    var handler: Handler

    var segments: [Substring] { pattern.split(separator: "/") }

    /// The `{name}` values when `path` matches (nil: it does not). An id that is not a whole
    /// positive number matches nothing, so `/renders/abc` is a 404, as an unknown id is.
    func match(_ path: [Substring]) -> [String: Int64]? {
        let mine = segments
        guard mine.count == path.count else { return nil }
        var parameters: [String: Int64] = [:]
        for (pattern, part) in zip(mine, path) {
            if pattern.hasPrefix("{") {
                guard let id = Int64(part), id > 0 else { return nil }
                parameters[String(pattern.dropFirst().dropLast())] = id
            } else if pattern != part {
                return nil
            }
        }
        return parameters
    }
}

/// What a handler gets: the path's ids, the query, the body (read whole: small JSON only).
struct ServeRequest: Sendable {
    var parameters: [String: Int64]
    var query: [String: String]
    var headers: HTTPFields
    var body: [UInt8]

    func id(_ name: String = "id") -> Int64 { parameters[name] ?? 0 }
}

/// An answer other than success: the status and the `{"error": ...}` message.
struct ServeError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func notFound(_ message: String) -> ServeError { ServeError(.notFound, message) }
    static func badRequest(_ message: String) -> ServeError { ServeError(.badRequest, message) }
    static func conflict(_ message: String) -> ServeError { ServeError(.conflict, message) }
}

enum ServeResponse {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(string: value.jsonText)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(string: text)))
    }

    static func error(_ error: ServeError) -> Response {
        json(ServeJSON.error(error.message), status: error.status)
    }

    /// Bytes with a validator: a client that sends the same `If-None-Match` gets 304.
    static func bytes(_ bytes: [UInt8], contentType: String, etag: String, request: ServeRequest,
                      cacheControl: String = "no-cache") -> Response {
        let quoted = "\"" + etag + "\""
        var headers: HTTPFields = [.eTag: quoted, .cacheControl: cacheControl]
        if request.headers[.ifNoneMatch] == quoted {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(bytes: bytes)))
    }
}
