import LuaBridge

/// The answer to one request, as the loop hands it back to the server's threads.
struct WebReply: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// `fileResponse`: the file to stream instead of `body`, and whether to delete it once opened.
    var filePath: String?
    var deleteFile = false

    /// A JSON `{"error": message}` reply, for failures found outside Lua (or when Lua failed).
    static func error(_ status: Int, _ message: String) -> WebReply {
        WebReply(
            status: status,
            headers: [("content-type", "application/json")],
            body: Array(#"{"error": \#(jsonString(message))}"#.utf8))
    }

    /// Reads what the Lua dispatcher returned: `{status = n, headers = {{name, value}...}, body = s}`.
    /// Anything else is the dispatcher's bug, answered with a 500 that says so.
    init(luaValue: LuaValue) {
        guard case .object(let fields) = luaValue, let status = fields["status"]?.intValue,
              (100...999).contains(status)
        else {
            self = .error(500, "the web server's dispatcher returned no response")
            return
        }
        var headers: [(String, String)] = []
        if case .array(let pairs)? = fields["headers"] {
            for pair in pairs {
                if case .array(let items) = pair, items.count == 2,
                   let name = items[0].stringValue, let value = items[1].stringValue {
                    headers.append((name, value))
                }
            }
        }
        let body: [UInt8]
        switch fields["body"] {
        case .string(let s)?: body = Array(s.utf8)
        case .bytes(let b)?: body = b
        default: body = []
        }
        self.init(status: Int(status), headers: headers, body: body)
        filePath = fields["file"]?.stringValue
        deleteFile = fields["deleteFile"]?.isTruthy ?? false
    }

    init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        JSONValue.string(text).jsonText
    }
}
