/// A command for a live render, sent over the control channel to the rscript process that runs
/// it (see `RenderControlClient`).
///
/// On the wire it is one JSON line: `{"command":"stop","render":12}` or
/// `{"command":"click","render":12,"x":0.5,"y":0.25}`. Members a command does not use are
/// ignored, so an older rscript still reads a newer client's lines. To add a command: a case
/// here, its name in `names`, its reading in `init(json:)`, and what it does in
/// `RenderManager.apply(_:)`.
public enum RenderControlCommand: Sendable, Equatable {
    /// Asks the render to stop, as `render:stop()` does: the plugin's `stopBackgroundRender`
    /// runs at its next poll and the render ends `stopped`.
    case stop(render: Int64)
    /// A click on the render's image, as `render:mouseClick(x, y)`: `x` 0 (left) .. 1 (right),
    /// `y` 0 (top) .. 1 (bottom).
    case click(render: Int64, x: Double, y: Double)

    /// The commands known, as they are named on the wire.
    static let names = ["click", "stop"]

    /// The render the command is for.
    public var render: Int64 {
        switch self {
        case .stop(let render), .click(let render, _, _): return render
        }
    }

    /// The command's name on the wire (`stop`, `click`).
    public var name: String {
        switch self {
        case .stop: return "stop"
        case .click: return "click"
        }
    }

    /// The command as one JSON object (without the newline that ends it on the wire).
    public var jsonValue: JSONValue {
        switch self {
        case .stop(let render):
            return ["command": .string(name), "render": .int(render)]
        case .click(let render, let x, let y):
            return ["command": .string(name), "render": .int(render), "x": .double(x), "y": .double(y)]
        }
    }

    /// Why a line is not a command; `description` is the whole message sent back.
    public struct ParseError: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
    }

    /// Reads one line of the protocol (its newline taken off).
    public init(jsonLine: String) throws {
        let value: JSONValue
        do {
            value = try JSONValue(jsonText: jsonLine)
        } catch {
            throw ParseError(description: "the command is not JSON: \(error)")
        }
        try self.init(json: value)
    }

    /// Reads a command from its JSON object, checking every member it uses. A REST route can
    /// read its body with it (adding `command` and `render` from the URL) to refuse a bad `x` or
    /// `y` with the listener's own words, without a round trip.
    public init(json value: JSONValue) throws {
        let example = #"{"command":"stop","render":12}"#
        guard let object = value.objectValue else {
            throw ParseError(description: "a command is a JSON object, like \(example)")
        }
        guard let name = object["command"]?.stringValue else {
            throw ParseError(description: "the command has no \"command\" string, like \(example)")
        }
        guard Self.names.contains(name) else {
            throw ParseError(description: "unknown command '\(name)' (known: \(Self.names.joined(separator: ", ")))")
        }
        guard case .int(let render)? = object["render"], render > 0 else {
            throw ParseError(description: "\(name): \"render\" must be a render id (a positive integer), got \(object["render"]?.jsonText ?? "nothing")")
        }
        switch name {
        case "stop":
            self = .stop(render: render)
        default:
            self = .click(render: render, x: try Self.fraction("x", in: object, command: name),
                          y: try Self.fraction("y", in: object, command: name))
        }
    }

    private static func fraction(_ key: String, in object: [String: JSONValue], command: String) throws -> Double {
        guard let number = object[key]?.doubleValue, number.isFinite else {
            throw ParseError(description: "\(command): \"\(key)\" must be a number from 0 to 1, got \(object[key]?.jsonText ?? "nothing")")
        }
        guard (0...1).contains(number) else {
            throw ParseError(description: "\(command): \"\(key)\" must be from 0 to 1 (a fraction of the image), got \(object[key]!.jsonText)")
        }
        return number
    }
}
