import Foundation

/// A real `curl -N` following a server-sent event stream into a file, for end-to-end tests of
/// `GET /api/v1/events`: `events` parses what arrived so far.
public final class EventTap: @unchecked Sendable {  // the file is written by curl, read here
    public struct Event: Sendable {
        public var id: String
        public var kind: String
        public var data: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
        public var text: String
    }

    let process = Process()
    let file: String

    public init(_ url: String, headers: [String] = [], maxTime: Double = 120) throws {
        file = NSTemporaryDirectory() + "rscript-events-\(UUID().uuidString).txt"
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sN", "--max-time", String(Int(maxTime)), "-o", file] + headers.flatMap { ["-H", $0] } + [url]
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    public var raw: String { (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }

    public var events: [Event] {
        var result: [Event] = []
        for block in raw.components(separatedBy: "\n\n") {
            var id = "", kind = "message", data: [String] = []
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                else if line.hasPrefix("event: ") { kind = String(line.dropFirst(7)) }
                else if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            if !data.isEmpty { result.append(Event(id: id, kind: kind, text: data.joined(separator: "\n"))) }
        }
        return result
    }

    /// Waits until `condition` holds for the events so far (at most `timeout` seconds).
    @discardableResult
    public func wait(timeout: Double = 30, until condition: ([Event]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(events) { return true }
            usleep(20_000)
        }
        return condition(events)
    }

    public var isRunning: Bool { process.isRunning }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: file)
    }

    deinit { stop() }
}
