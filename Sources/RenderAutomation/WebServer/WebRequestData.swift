import LuaBridge

/// What one HTTP request carries from the server's threads to the script's loop: plain data,
/// turned into a Lua table there (`luaValue`), never a Lua object made on a NIO thread.
struct WebRequestData: Sendable {
    var method: String
    /// The path as sent, without its query (still percent-encoded).
    var path: String
    /// The query string as sent, without the `?` ("" when there is none).
    var query: String
    /// Header names in lower case, in the order received; repeated names stay repeated.
    var headers: [(name: String, value: String)]
    var host: String
    var body: [UInt8]
    var clientAddress: String
    var debug: Bool
    /// The port the request came in on (the main one or one of `ports`).
    var port: Int
    /// The fields of a multipart body (its files are in `files`; `body` is then empty).
    var form: [(name: String, value: String)] = []
    var files: [UploadedFileData] = []

    var luaValue: LuaValue {
        .object([
            "method": .string(method),
            "path": .string(path),
            "query": .string(query),
            "headers": .array(headers.map { .array([.string($0.name), .string($0.value)]) }),
            "host": .string(host),
            "body": .bytes(body),
            "clientAddress": .string(clientAddress),
            "isSecure": .bool(false),
            "debug": .bool(debug),
            "port": .int(Int64(port)),
            "multipart": .bool(!form.isEmpty || !files.isEmpty),
            "form": .array(form.map { .array([.string($0.name), .string($0.value)]) }),
            "files": .array(files.map(\.luaValue)),
        ])
    }
}
