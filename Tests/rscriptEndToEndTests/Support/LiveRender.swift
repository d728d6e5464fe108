import Foundation
import RScriptTesting

/// `rscript render ... --json` running in the background: its render id and pid from the
/// `start` event, its output collected as it comes (so a long render never fills the pipe).
final class LiveRender: @unchecked Sendable {  // `output` is guarded by `lock`
    let process = Process()
    private(set) var id: Int64 = 0
    var pid: Int32 { process.processIdentifier }
    private let lock = NSLock()
    private var output = ""
    private let stderrPath: String

    init(_ arguments: [String], environment: [String: String], directory: String, timeout: Double = 30) throws {
        process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        stderrPath = directory + "/render-\(UUID().uuidString.prefix(8)).stderr"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        process.standardOutput = out
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.output += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let id = startedID() {
                self.id = id
                return
            }
            if !process.isRunning { break }
            usleep(10_000)
        }
        killWithChildren()
        throw RenderControlTests.TestFailure("rscript \(arguments.joined(separator: " ")) did not start a render; stderr:\n\(stderr)")
    }

    var stdout: String {
        lock.lock()
        defer { lock.unlock() }
        return output
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    private func startedID() -> Int64? {
        for line in stdout.split(separator: "\n") where line.contains(#""event":"start""#) {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let id = (object?["id"] as? NSNumber)?.int64Value { return id }
        }
        return nil
    }

    /// Waits for the exit (SIGKILL after `timeout`); the status and everything printed.
    func wait(timeout: Double) -> (status: Int32, stdout: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { killWithChildren() }
        process.waitUntilExit()
        usleep(50_000)  // the last output
        return (process.terminationStatus, stdout)
    }

    /// `kill -9` of rscript, then of the renderer process groups it started (which outlive it).
    func killWithChildren() {
        guard process.isRunning else { return }
        let children = Self.children(of: pid)
        kill(pid, SIGKILL)
        // Before waiting: Foundation sees rscript's exit only once every holder of a descriptor
        // it gave rscript is gone, renderers included.
        for child in children {
            kill(-child, SIGKILL)
            kill(child, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// The pids in /proc/PID/task/*/children.
    static func children(of pid: Int32) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [Int32] in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    deinit { killWithChildren() }
}

/// A bare Unix socket client, to send the control channel what no rscript command would.
enum RawSocket {
    static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8) + [0]
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes.prefix($0.count)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw RenderControlTests.TestFailure("cannot connect to \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Sends `bytes`, then reads the answer line (at most 5 s).
    static func exchange(_ path: String, _ bytes: [UInt8]) throws -> String {
        let fd = try connect(path)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }  // the listener may close once it has seen too much
            sent += n
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !answer.contains(10) {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            answer.append(contentsOf: chunk[..<n])
        }
        return String(decoding: answer.prefix { $0 != 10 }, as: UTF8.self)
    }
}
