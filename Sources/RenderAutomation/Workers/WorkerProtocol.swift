/// The messages between a runtime and its worker processes: one JSON object per line, the
/// parent writing to the worker's fd 3, the worker answering on its fd 4 (its stdout and stderr
/// stay free for the script, and go to the worker's log).
///
/// Parent to worker:
///   {"t":"call","id":N,"script":PATH,"args":[...]}  run the function PATH returns: f(client, args...)
///   {"t":"job","id":N,"script":PATH,"data":V}        run PATH as a job (seed 003): `passed_data` = V
/// Worker to parent:
///   {"t":"ready","pid":P}
///   {"t":"progress","id":N,"fraction":F,"message":M}
///   {"t":"result","id":N,"ok":true,"value":V}
///   {"t":"result","id":N,"ok":false,"error":MESSAGE,"traceback":TB}
public enum WorkerMessage: Sendable, Equatable {
    case call(id: Int64, script: String, arguments: [JSONValue])
    case job(id: Int64, script: String, data: JSONValue)
    case ready(pid: Int32)
    case progress(id: Int64, fraction: Double, message: String?)
    case result(id: Int64, value: JSONValue)
    case failure(id: Int64, error: String, traceback: String?)

    public var jsonText: String {
        switch self {
        case .call(let id, let script, let arguments):
            return JSONValue.object(["t": "call", "id": .int(id), "script": .string(script), "args": .array(arguments)]).jsonText
        case .job(let id, let script, let data):
            return JSONValue.object(["t": "job", "id": .int(id), "script": .string(script), "data": data]).jsonText
        case .ready(let pid):
            return JSONValue.object(["t": "ready", "pid": .int(Int64(pid))]).jsonText
        case .progress(let id, let fraction, let message):
            var object: [String: JSONValue] = ["t": "progress", "id": .int(id), "fraction": .double(fraction)]
            if let message { object["message"] = .string(message) }
            return JSONValue.object(object).jsonText
        case .result(let id, let value):
            return JSONValue.object(["t": "result", "id": .int(id), "ok": .bool(true), "value": value]).jsonText
        case .failure(let id, let error, let traceback):
            var object: [String: JSONValue] = ["t": "result", "id": .int(id), "ok": .bool(false), "error": .string(error)]
            if let traceback { object["traceback"] = .string(traceback) }
            return JSONValue.object(object).jsonText
        }
    }

    public init?(jsonText: String) {
        guard let value = try? JSONValue(jsonText: jsonText), case .object(let o) = value,
              case .string(let type)? = o["t"] else { return nil }
        let id: Int64 = { if case .int(let i)? = o["id"] { return i } else { return -1 } }()
        switch type {
        case "call":
            guard case .string(let script)? = o["script"] else { return nil }
            if case .array(let arguments)? = o["args"] { self = .call(id: id, script: script, arguments: arguments) } else {
                self = .call(id: id, script: script, arguments: [])
            }
        case "job":
            guard case .string(let script)? = o["script"] else { return nil }
            self = .job(id: id, script: script, data: o["data"] ?? .null)
        case "ready":
            guard case .int(let pid)? = o["pid"], let pid32 = Int32(exactly: pid) else { return nil }
            self = .ready(pid: pid32)
        case "progress":
            let fraction = o["fraction"]?.doubleValue ?? 0
            self = .progress(id: id, fraction: fraction, message: o["message"]?.stringValue)
        case "result":
            if case .bool(true)? = o["ok"] {
                self = .result(id: id, value: o["value"] ?? .null)
            } else {
                self = .failure(id: id, error: o["error"]?.stringValue ?? "unknown error", traceback: o["traceback"]?.stringValue)
            }
        default:
            return nil
        }
    }
}
