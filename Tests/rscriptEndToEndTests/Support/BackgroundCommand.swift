import Foundation
import RScriptTesting

/// A real `rscript ARGS...` left running while a test drives something else (a render the page
/// watches, a script whose jobs it opens): its stdout and stderr kept as they arrive.
final class BackgroundCommand: @unchecked Sendable {  // the texts are guarded by `lock`
    let process = Process()
    private let lock = NSLock()
    private var outText = "", errText = ""

    init(_ arguments: [String], environment: [String: String], directory: String) throws {
        process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        for (pipe, isOut) in [(out, true), (err, false)] {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.lock()
                if isOut { self.outText += String(decoding: data, as: UTF8.self) } else { self.errText += String(decoding: data, as: UTF8.self) }
                self.lock.unlock()
            }
        }
        try process.run()
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return outText }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return errText }

    /// Waits (at most `timeout` seconds) for a whole stdout line that `match` accepts, and returns
    /// what it made of it. Throws with both outputs if the process ends first or time runs out.
    func waitForLine<T>(_ what: String, timeout: Double = 60, _ match: (String) -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = stdout
            let whole = text.lastIndex(of: "\n").map { text[..<$0] } ?? ""  // not a line still being written
            for line in whole.split(separator: "\n") {
                if let value = match(String(line)) { return value }
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        throw ServerError(message: "no \(what) from rscript \(process.arguments ?? []); stdout:\n\(stdout)\nstderr:\n\(stderr)")
    }

    /// Ctrl-C, then SIGKILL if it has not ended after `grace` seconds.
    func stop(grace: Double = 10) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop(grace: 2) }
}
