import Foundation

/// A real `rscript run server.lua` for end-to-end tests of the web server: started on port 0,
/// its port read from the `listening on http://ADDRESS:PORT` line it prints to stderr.
public final class ServerProcess: @unchecked Sendable {  // stderr is guarded by `lock`
    public let process = Process()
    public private(set) var port = 0
    public private(set) var address = ""
    private let lock = NSLock()
    private var stderrText = ""

    /// Starts `rscript run SCRIPT ARGS...` and waits (at most `timeout` seconds) for it to
    /// listen. Throws with what it printed if it exits or never listens.
    public convenience init(script: String, arguments: [String] = [], environment: [String: String] = [:], timeout: Double = 30,
                            executable: String? = nil) throws {
        try self.init(rscript: ["run", script] + arguments, environment: environment, timeout: timeout, executable: executable)
    }

    /// Starts `rscript ARGUMENTS...` (`["serve", "--port", "0"]`), as above.
    public init(rscript arguments: [String], environment: [String: String] = [:], timeout: Double = 30,
                executable: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable ?? RScriptBinary.path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        if env["RSCRIPT_DB"] == nil { env["RSCRIPT_DB"] = RScriptBinary.testDatabase }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.stderrText += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let (address, port) = Self.listeningLine(in: stderr) {
                self.address = address
                self.port = port
                return
            }
            if !process.isRunning { break }
            usleep(10_000)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        throw ServerError(message: "the server did not listen; its stderr:\n" + stderr)
    }

    public var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return stderrText
    }

    public var baseURL: String { "http://\(address):\(port)" }

    /// Waits for the process to end by itself; true if it did within `timeout` seconds.
    public func waitForExit(timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    /// Ctrl-C, then SIGKILL if it has not ended after `grace` seconds.
    public func stop(grace: Double = 10) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGINT)
        if !waitForExit(timeout: grace) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop(grace: 2) }

    static func listeningLine(in text: String) -> (String, Int)? {
        guard let range = text.range(of: "listening on http://") else { return nil }
        let rest = text[range.upperBound...]
        guard let end = rest.firstIndex(of: "\n") else { return nil }
        let hostPort = rest[..<end]
        guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]) else { return nil }
        return (String(hostPort[..<colon]), port)
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// One HTTP exchange made with the real `curl`.
public struct HTTPExchange: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: Data
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body read as a JSON object (an empty one if it is not).
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    /// Runs `curl -s URL ARGS...` (say `["-d", "x=1"]`) and reads the status, headers and body.
    public static func curl(_ url: String, _ arguments: [String] = [], timeout: Double = 30) throws -> HTTPExchange {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rscript-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let headerFile = dir.appendingPathComponent("headers").path
        let bodyFile = dir.appendingPathComponent("body").path
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "--max-time", String(Int(timeout)), "-D", headerFile, "-o", bodyFile, "-w", "%{http_code}"]
            + arguments + [url]
        let out = Pipe()
        curl.standardOutput = out
        curl.standardError = FileHandle.nullDevice
        curl.standardInput = FileHandle.nullDevice
        try curl.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        guard let status = Int(printed.trimmingCharacters(in: .whitespacesAndNewlines)), status > 0 else {
            throw ServerError(message: "curl \(url) failed (exit \(curl.terminationStatus))")
        }
        var headers: [String: String] = [:]
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        for line in headerText.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = value
        }
        let body = FileManager.default.contents(atPath: bodyFile) ?? Data()
        return HTTPExchange(status: status, headers: headers, body: body)
    }
}
