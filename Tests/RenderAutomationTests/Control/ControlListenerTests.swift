import Foundation
import LuaBridge
@testable import RenderAutomation
import XCTest

/// The listener alone, through a real Unix socket, with a mailbox nobody drains (a loop that
/// never answers): where it listens, who may connect, and that bad input gets an answer.
final class ControlListenerTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-control-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Sends raw bytes to `address` and reads the answer line.
    private func exchange(_ bytes: [UInt8], with address: ControlSocketAddress, closeAfter: Bool = true) throws -> String {
        let fd = UnixSocket.make()
        defer { close(fd) }
        XCTAssertEqual(address.withSocketAddress { connect(fd, $0, $1) }, 0, "connect to \(address): \(UnixSocket.errorText)")
        _ = UnixSocket.send(fd, bytes)
        if closeAfter { shutdown(fd, Int32(SHUT_WR)) }
        guard case .line(let line) = UnixSocket.readLine(fd, limit: 1 << 20, deadline: MonotonicClock.now() + 5) else {
            XCTFail("no answer")
            return ""
        }
        return String(decoding: line, as: UTF8.self)
    }

    private func waitForSocket(_ address: ControlSocketAddress) {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let fd = UnixSocket.make()
            let connected = address.withSocketAddress { connect(fd, $0, $1) } == 0
            close(fd)
            if connected { return }
            usleep(10_000)
        }
        XCTFail("\(address) never listened")
    }

    func testListensBesideTheDatabaseOwnerOnly() throws {
        let database = folder + "/gallery.db"
        // A dead process's socket file is removed; a live one's is left.
        try FileManager.default.createDirectory(atPath: folder + "/control", withIntermediateDirectories: true)
        let dead = try deadPid()
        _ = FileManager.default.createFile(atPath: folder + "/control/\(dead).sock", contents: nil)
        _ = FileManager.default.createFile(atPath: folder + "/control/1.sock", contents: nil)
        let listener = ControlListener.offer(render: 41, database: database, mailbox: Mailbox())
        let address = listener.address
        XCTAssertEqual(address.path, ControlSocketAddress.canonicalPath(of: folder) + "/control/\(getpid()).sock")
        waitForSocket(address)
        var info = stat()
        XCTAssertEqual(stat(address.path!, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "the socket is its owner's only")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/control/\(dead).sock"), "a dead process's socket is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/control/1.sock"), "a live process's socket is left")
        XCTAssertTrue(ControlListener.offer(render: 42, database: "\(folder)/./gallery.db", mailbox: Mailbox()) === listener,
                      "one listener per database per process, whatever the path's spelling")
    }

    func testBadInputGetsAnAnswerAndTheListenerGoesOn() throws {
        let listener = ControlListener.offer(render: 5, database: folder + "/g.db", mailbox: Mailbox())
        let address = listener.address
        waitForSocket(address)
        let notRunning = try exchange(Array(#"{"command":"stop","render":6}"#.utf8) + [10], with: address)
        XCTAssertEqual(notRunning, #"{"code":"notRunning","error":"render 6 is not running in process \#(getpid())","ok":false}"#)
        let garbage = try exchange([0xff, 0x00, 0x41, 10], with: address)
        XCTAssertTrue(garbage.contains(#""code":"badRequest""#) && garbage.contains("the command is not JSON"), garbage)
        let huge = try exchange([UInt8](repeating: UInt8(ascii: "["), count: 70_000), with: address)
        XCTAssertEqual(huge, #"{"code":"badRequest","error":"the command is longer than 65536 bytes","ok":false}"#)
        let start = Date()
        let silent = try exchange([], with: address, closeAfter: false)
        XCTAssertEqual(silent, #"{"code":"badRequest","error":"no command (one JSON line) came within 2 s","ok":false}"#)
        XCTAssertLessThan(Date().timeIntervalSince(start), 4)
        // Render 5's loop never drains its mailbox: the listener says so instead of waiting.
        let busy = try exchange(Array(#"{"command":"click","render":5,"x":0.5,"y":0.5}"#.utf8) + [10], with: address)
        XCTAssertEqual(busy, #"{"code":"busy","error":"process \#(getpid()) did not take the command within 1.5 s (its loop is busy)","ok":false}"#)
        XCTAssertThrowsError(try RenderControlClient().send(.stop(render: 5), toProcess: getpid(), database: folder + "/g.db")) { error in
            XCTAssertEqual((error as? RenderControlError)?.kind, .timedOut)
        }
        listener.withdraw(render: 5)
        XCTAssertThrowsError(try RenderControlClient().send(.stop(render: 5), toProcess: getpid(), database: folder + "/g.db")) { error in
            XCTAssertEqual((error as? RenderControlError)?.kind, .notRunning)
            XCTAssertEqual("\(error)", "render 5 is not running in process \(getpid())")
        }
    }

    func testClientsPastTheLimitAreToldAtOnce() throws {
        let listener = ControlListener.offer(render: 5, database: folder + "/many.db", mailbox: Mailbox())
        waitForSocket(listener.address)
        usleep(200_000)  // the probe's connection is done with
        var silent: [Int32] = []
        defer { for fd in silent { close(fd) } }
        for _ in 0..<ControlListener.maximumConnections {
            let fd = UnixSocket.make()
            XCTAssertEqual(listener.address.withSocketAddress { connect(fd, $0, $1) }, 0)
            silent.append(fd)
        }
        usleep(200_000)  // the listener has taken them all
        let start = Date()
        XCTAssertThrowsError(try RenderControlClient().send(.stop(render: 6), toProcess: getpid(), database: folder + "/many.db")) { error in
            XCTAssertEqual((error as? RenderControlError)?.kind, .timedOut)
            XCTAssertEqual("\(error)", "the control channel of process \(getpid()) has 16 clients already; try again")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1, "told at once, not after the others' 2 s")
        for fd in silent { close(fd) }
        silent = []
        usleep(2_300_000)  // their threads end when their 2 s are up
        XCTAssertThrowsError(try RenderControlClient().send(.stop(render: 6), toProcess: getpid(), database: folder + "/many.db")) { error in
            XCTAssertEqual((error as? RenderControlError)?.kind, .notRunning, "served again: \(error)")
        }
    }

    func testALongPathFallsBackToAnAbstractSocketBothSidesAgreeOn() throws {
        var deep = folder
        while deep.utf8.count < 120 { deep += "/a-folder-with-a-long-name" }
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let database = deep + "/gallery.db"
        let address = ControlSocketAddress(database: database, pid: 4242)
        let hash = ControlSocketAddress.fnv1a(ControlSocketAddress.canonicalPath(of: database))
        XCTAssertEqual(address.description, "@rscript-control-\(hash)-4242")
        XCTAssertNil(address.path)
        XCTAssertEqual(ControlSocketAddress.fnv1a(""), "cbf29ce484222325")
        XCTAssertEqual(ControlSocketAddress.fnv1a("a"), "af63dc4c8601ec8c")
        let listener = ControlListener.offer(render: 9, database: database, mailbox: Mailbox())
        waitForSocket(listener.address)
        XCTAssertThrowsError(try RenderControlClient().send(.stop(render: 10), toProcess: getpid(), database: database)) { error in
            XCTAssertEqual((error as? RenderControlError)?.kind, .notRunning, "\(error)")
        }
    }

    func testClientErrorsForAGoneProcessAndAMissingChannel() throws {
        let dead = try deadPid()
        XCTAssertThrowsError(try RenderControlClient().send(.stop(render: 12), toProcess: dead, database: folder + "/none.db")) { error in
            XCTAssertEqual((error as? RenderControlError)?.kind, .processGone)
            XCTAssertEqual("\(error)", "process \(dead), which owned render 12, is gone")
        }
        // pid 1 is alive and has no channel here.
        XCTAssertThrowsError(try RenderControlClient().send(.stop(render: 12), toProcess: 1, database: folder + "/none.db")) { error in
            XCTAssertEqual((error as? RenderControlError)?.kind, .noChannel)
            XCTAssertTrue("\(error)".hasPrefix("process 1, which owns render 12, has no control channel ("), "\(error)")
        }
    }

    func testCanonicalPathResolvesTheFolder() throws {
        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/real")
        XCTAssertEqual(ControlSocketAddress.canonicalPath(of: folder + "/link/g.db"), ControlSocketAddress.canonicalPath(of: folder + "/real/g.db"))
        XCTAssertTrue(ControlSocketAddress.canonicalPath(of: "g.db").hasPrefix("/"))
    }

    /// Another user (nobody, through setpriv: the tests run as root) cannot connect to the socket
    /// file (0600 in a 0700 folder), and is refused on an abstract socket, which has no file.
    func testAnotherUserIsKeptOut() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root, to run a client as another user (nobody)") }
        for tool in ["/usr/bin/setpriv", "/usr/bin/python3"] where !FileManager.default.isExecutableFile(atPath: tool) {
            XCTFail("\(tool) is missing: apt-get install util-linux python3")
            return
        }
        chmod(folder, 0o755)
        let short = ControlListener.offer(render: 3, database: folder + "/g.db", mailbox: Mailbox())
        var deep = folder
        while deep.utf8.count < 120 { deep += "/a-folder-with-a-long-name" }
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let long = ControlListener.offer(render: 3, database: deep + "/g.db", mailbox: Mailbox())
        waitForSocket(short.address)
        waitForSocket(long.address)
        func asNobody(_ address: String) throws -> String {
            let script = """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(sys.argv[1].replace("@", "\\0", 1))
                except OSError as e:
                    print("connect: " + e.strerror); sys.exit(0)
                s.sendall(b'{"command":"stop","render":3}\\n')
                print(s.makefile().readline().strip())
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, address]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(try asNobody(short.address.description), "connect: Permission denied")
        XCTAssertEqual(try asNobody(long.address.description),
                       #"{"code":"denied","error":"the control channel of process \#(getpid()) takes commands from its own user only","ok":false}"#)
    }

    private func deadPid() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}
