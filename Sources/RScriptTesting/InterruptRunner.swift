import Foundation

extension RScriptBinary {
    /// What an interrupted run gave: its exit status, its standard output, and how long it took
    /// to exit after the SIGINT.
    public struct Interrupted: Sendable {
        public var status: Int32
        public var stdout: String
        public var secondsToExit: Double
    }

    /// Runs `rscript ARGS...` until its standard output says `ready`, waits `settle` seconds (to
    /// be inside whatever comes next), sends SIGINT as Ctrl-C does, and waits for the exit (at
    /// most `timeout` seconds; then the process is killed and the status is that of SIGKILL).
    public static func interruptWhenReady(_ arguments: [String], settle: Double = 0, timeout: Double = 10) throws -> Interrupted {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        if env["RSCRIPT_DB"] == nil { env["RSCRIPT_DB"] = testDatabase }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let handle = out.fileHandleForReading
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("ready") {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        if settle > 0 { usleep(useconds_t(settle * 1_000_000)) }
        let start = Date()
        kill(process.processIdentifier, SIGINT)
        let deadline = start.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        seen.append(handle.readDataToEndOfFile())
        process.waitUntilExit()
        return Interrupted(status: process.terminationStatus, stdout: String(decoding: seen, as: UTF8.self),
                           secondsToExit: Date().timeIntervalSince(start))
    }
}
