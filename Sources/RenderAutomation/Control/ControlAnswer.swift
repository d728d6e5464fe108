/// The one JSON line the listener sends back: `{"ok":true}`, or
/// `{"ok":false,"code":"notRunning","error":"render 12 is not running in process 4242"}`. The
/// `code` lets the client tell the cases apart without reading the message.
struct ControlAnswer: Sendable, Equatable {
    enum Code: String, Sendable {
        /// The line is not a command (bad JSON, unknown command, x outside 0..1, too long).
        case badRequest
        /// The render is not live in this process (ended, or never ran here).
        case notRunning
        /// The loop did not take the command in time, or too many clients are connected.
        case busy
        /// The client runs as another user.
        case denied
    }

    /// nil: done.
    var code: Code?
    var error: String?

    static let ok = ControlAnswer(code: nil, error: nil)

    static func failure(_ code: Code, _ message: String) -> ControlAnswer {
        ControlAnswer(code: code, error: message)
    }

    var jsonValue: JSONValue {
        guard let code else { return ["ok": true] }
        return ["ok": false, "code": .string(code.rawValue), "error": .string(error ?? code.rawValue)]
    }

    var jsonLine: String { jsonValue.jsonText + "\n" }
}
