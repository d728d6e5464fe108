import LuaBridge
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `require("rscript.log")`: leveled log lines on stderr, through swift-log.
///
/// `log.trace/debug/info/notice/warning/error/critical(message [, fields])` write
/// `2026-11-21T20:00:00Z info rscript: message key=value` when the level is enabled;
/// `log.setLevel(name)` and `log.level()` set and read this runtime's level (default `info`, or
/// `RSCRIPT_LOG_LEVEL`). A call below the level returns before reading its fields.
enum LogModule: RuntimeModule {
    static let name = "rscript.log"

    /// The runtime's logger; a class so the module's functions share one level.
    final class Box {
        var logger: Logger
        init(logger: Logger) { self.logger = logger }
    }

    static func open(in runtime: ScriptRuntime) {
        RScriptLogging.bootstrap()
        var logger = Logger(label: "rscript")
        logger.logLevel = initialLevel()
        let box = Box(logger: logger)

        var functions: [(String, LuaFunctionBody)] = Logger.Level.allCases.map { level in
            (level.rawValue, { call in
                guard level >= box.logger.logLevel else { return 0 }
                let message = try call.string(1)
                let metadata = try fields(call, 2)
                box.logger.log(level: level, Logger.Message(stringLiteral: message), metadata: metadata)
                return 0
            })
        }
        functions.append(("setLevel", { call in
            let name = try call.string(1)
            guard let level = Logger.Level(rawValue: name) else {
                throw LuaArgumentError(position: 1, "invalid level '\(name)'; expected one of \(levelNames)")
            }
            box.logger.logLevel = level
            return 0
        }))
        functions.append(("level", { call in
            call.push(box.logger.logLevel.rawValue)
            return 1
        }))
        runtime.state.pushModule("log", functions: functions)
    }

    static let levelNames = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")

    /// `RSCRIPT_LOG_LEVEL`, or `info`; a bad value is reported once and ignored.
    static func initialLevel() -> Logger.Level {
        guard let name = Environment.get("RSCRIPT_LOG_LEVEL"), !name.isEmpty else { return .info }
        if let level = Logger.Level(rawValue: name.lowercased()) { return level }
        StandardError.write("rscript: RSCRIPT_LOG_LEVEL: invalid level '\(name)' (expected one of \(levelNames)); using info\n")
        return .info
    }

    /// The optional fields table at `position` as metadata.
    private static func fields(_ call: LuaCall, _ position: Int32) throws -> Logger.Metadata? {
        if call.isNoneOrNil(position) { return nil }
        guard call.luaType(position) == .table else { throw call.typeError(position, expected: "table or nil") }
        var metadata: Logger.Metadata = [:]
        switch try call.value(position) {
        case .object(let fields):
            for (key, value) in fields { metadata[key] = metadataValue(value) }
        case .array(let items):
            for (k, item) in items.enumerated() { metadata[String(k + 1)] = metadataValue(item) }
        case .table(let fields):
            for (key, value) in fields { metadata[plain(key)] = metadataValue(value) }
        default:
            break
        }
        return metadata
    }

    private static func metadataValue(_ value: LuaValue) -> Logger.MetadataValue {
        switch value {
        case .array(let items): return .array(items.map(metadataValue))
        case .object(let fields): return .dictionary(fields.mapValues(metadataValue))
        case .table(let fields):
            return .dictionary(Dictionary(fields.map { (plain($0.key), metadataValue($0.value)) }, uniquingKeysWith: { a, _ in a }))
        default: return .string(plain(value))
        }
    }

    /// A scalar as text, the way Lua's `tostring` would show it.
    private static func plain(_ value: LuaValue) -> String {
        switch value {
        case .nil: return "nil"
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "nan" }
            if d.isInfinite { return d < 0 ? "-inf" : "inf" }
            return d == d.rounded() && abs(d) < 1e16 ? String(Int64(d)) + ".0" : String(d)
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .array, .object, .table: return "table"
        }
    }
}

/// The process-wide swift-log set-up of rscript: one `LogHandler` writing formatted lines to
/// stderr. Call `bootstrap()` instead of `LoggingSystem.bootstrap` (which may run only once per
/// process); it is idempotent and thread-safe.
public enum RScriptLogging {
    public static func bootstrap() { _ = bootstrapped }

    private static let bootstrapped: Void = {
        LoggingSystem.bootstrap { label in RScriptLogHandler(label: label) }
    }()
}

/// Writes `2026-11-21T20:00:00Z info rscript: message key=value` lines to stderr, one `write(2)`
/// per line so lines of several threads do not interleave. Metadata keys are sorted; values with
/// spaces, quotes, `=` or control characters are quoted with JSON-style escapes.
public struct RScriptLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = Self.timestamp()
        line += " \(event.level.rawValue) \(label): \(event.message.description)"
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra, uniquingKeysWith: { _, new in new }) }
        for key in fields.keys.sorted() {
            line += " \(Self.quotedIfNeeded(key))=\(Self.render(fields[key]!))"
        }
        StandardError.write(line + "\n")
    }

    /// Now in UTC, to the second: `2026-11-21T20:00:00Z`.
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }

    static func render(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let s): return quotedIfNeeded(s)
        case .stringConvertible(let c): return quotedIfNeeded(c.description)
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .dictionary(let fields):
            return "{" + fields.keys.sorted().map { "\(quotedIfNeeded($0))=\(render(fields[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    static func quotedIfNeeded(_ text: String) -> String {
        let needsQuotes = text.isEmpty || text.utf8.contains { c in
            c <= 0x20 || c == 0x7F || c == UInt8(ascii: "\"") || c == UInt8(ascii: "=") || c == UInt8(ascii: "\\")
        }
        guard needsQuotes else { return text }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
