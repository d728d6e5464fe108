import Foundation

/// Runs the real `rscript` binary for end-to-end tests, as a user would.
public enum RScriptBinary {
    /// The repository root (found from this file's path).
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `$RSCRIPT_BIN`, else `.build/debug/rscript` in the repository.
    public static var path: String {
        if let bin = ProcessInfo.processInfo.environment["RSCRIPT_BIN"], !bin.isEmpty { return bin }
        return repositoryRoot + "/.build/debug/rscript"
    }

    /// The database commands use when a test does not give `RSCRIPT_DB`.
    public static let testDatabase = NSTemporaryDirectory() + "rscript-tests-\(getpid())/rscript.db"

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `rscript ARGS...` (or `executable ARGS...`), feeding `stdin`, draining both pipes, and waits (at most `timeout`
    /// seconds, then the process is killed and the test fails through `status == -9`).
    public static func run(
        _ arguments: [String],
        stdin: String? = nil,
        environment: [String: String] = [:],
        directory: String? = nil,
        timeout: Double = 60,
        executable: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Tests never write to the user's own gallery and queue: one database per test run
        // unless a test names its own.
        if env["RSCRIPT_DB"] == nil { env["RSCRIPT_DB"] = Self.testDatabase }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Drain both pipes concurrently so a chatty child never blocks.
        let outData = LockedData(), errData = LockedData()
        let group = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            group.enter()
            DispatchQueue.global().async {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        group.wait()
        let status = process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
        return Result(
            status: status,
            stdout: String(decoding: outData.get(), as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self)
        )
    }

    /// Writes `contents` to a new file in a fresh temporary folder and returns its path.
    public static func temporaryScript(_ contents: String, name: String = "script.lua") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rscript-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(name)
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
