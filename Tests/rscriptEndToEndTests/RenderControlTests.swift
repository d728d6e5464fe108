import Foundation
import RenderAutomation
import RScriptTesting
import XCTest

/// The control channel end to end: a real POV-Ray render in one `rscript render` process, and
/// `rscript gallery click` / `stop` (and raw bytes on its socket) from other processes.
final class RenderControlTests: XCTestCase {
    static let scene = RScriptBinary.repositoryRoot + "/scripts/examples/scenes/spheres.pov"
    var folder = ""
    var db: String { folder + "/gallery.db" }
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/povray") else {
            throw TestFailure("povray is not installed: sudo apt-get install povray (tools/setup.sh installs it)")
        }
        folder = NSTemporaryDirectory() + "rscript-control-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        environment = ["RSCRIPT_DB": db, "RSCRIPT_PLUGIN_PATH": folder + "/no-plugins:&", "XDG_CONFIG_HOME": folder + "/config"]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: - helpers

    private func rscript(_ arguments: [String]) throws -> RScriptBinary.Result {
        try RScriptBinary.run(arguments, environment: environment, directory: folder, timeout: 30)
    }

    /// `rscript render spheres.pov` with POV-Ray on one thread, at 16 samples a pixel: several
    /// seconds at 1280x960, time enough to act on it while it renders.
    private func startPOVRay(resolution: String = "1280x960") throws -> LiveRender {
        try LiveRender(["render", Self.scene, "--renderer", "POV-Ray", "--res", resolution, "--option", "antialias=0.0",
                        "--option", "antialias_depth=4", "--option", "threads=1", "--json"],
                       environment: environment, directory: folder)
    }

    private func snapshot(_ id: Int64) throws -> RenderSnapshot {
        try XCTUnwrap(try GalleryStore(path: db).snapshot(id: id))
    }

    /// Waits until POV-Ray reports progress (its frame pass is under way).
    private func waitForProgress(_ render: LiveRender) throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let now = try snapshot(render.id)
            if now.state != .rendering { throw TestFailure("render \(render.id) ended before it could be reached: \(now.state); \(render.stderr)") }
            if (now.metadata["percentDone"]?.doubleValue ?? 0) > 0 { return }
            usleep(50_000)
        }
        throw TestFailure("render \(render.id) showed no progress in 60 s")
    }

    /// The listener's socket file (the test's paths are short enough for one).
    private func socketPath(pid: Int32) -> String {
        folder + "/control/\(pid).sock"
    }

    // MARK: - click

    func testClickFromAnotherProcessRendersTheRegionFirst() throws {
        let render = try startPOVRay()
        try waitForProgress(render)
        let clicked = try rscript(["gallery", "click", "\(render.id)", "0.95", "0.5"])
        XCTAssertEqual(clicked.status, 0, clicked.stderr)
        XCTAssertEqual(clicked.stdout, "clicked render \(render.id) (process \(render.pid)) at 0.95, 0.5\n")
        let end = render.wait(timeout: 180)
        XCTAssertEqual(end.status, 0, render.stderr)
        let done = try snapshot(render.id)
        XCTAssertEqual(done.state, .finished)
        XCTAssertEqual(done.metadata["lastClick"], ["x": 0.95, "y": 0.5], "the plugin's mouseClick ran: \(done.metadata)")
        let names = done.imagePaths.map { ($0.path as NSString).lastPathComponent }
        XCTAssertEqual(names.first, "region-1.png", "the clicked region is shown first: \(names)")
        XCTAssertEqual(names.last, "image.png", "then the full frame: \(names)")
        let dir = try XCTUnwrap(done.workDir)
        let regionLog = try String(contentsOfFile: dir + "/povray-region.log", encoding: .utf8)
        // x 0.95 is moved inside the frame: the 25% box is columns 0.75..1.0, rows 0.375..0.625.
        XCTAssertTrue(regionLog.contains("1280 by 960 (rows 361 to 600, columns 961 to 1280)"), regionLog)
        // Ended: nothing more to click, and the process took its socket away.
        let late = try rscript(["gallery", "click", "\(render.id)", "0.5", "0.5"])
        XCTAssertEqual(late.status, 1)
        XCTAssertEqual(late.stderr, "rscript: render \(render.id) is finished\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: socketPath(pid: render.pid)), "the socket file goes at exit")
    }

    // MARK: - stop

    func testStopFromAnotherProcessEndsTheRenderStopped() throws {
        let render = try startPOVRay(resolution: "1600x1200")
        try waitForProgress(render)
        let stopped = try rscript(["gallery", "stop", "\(render.id)", "--json"])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertEqual(try JSONValue(jsonText: stopped.stdout),
                       ["command": "stop", "id": .int(render.id), "ok": true, "pid": .int(Int64(render.pid))])
        let end = render.wait(timeout: 30)
        XCTAssertEqual(end.status, 2, "rscript render exits 2 for a stopped render: \(render.stderr)")
        XCTAssertTrue(end.stdout.contains(#""state":"stopped""#), end.stdout)
        XCTAssertEqual(try snapshot(render.id).state, .stopped)
        let again = try rscript(["gallery", "stop", "\(render.id)"])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "rscript: render \(render.id) is stopped\n")
    }

    // MARK: - a dead process

    func testARenderWhoseProcessWasKilledIsGone() throws {
        let render = try startPOVRay(resolution: "1600x1200")
        try waitForProgress(render)
        var info = stat()
        XCTAssertEqual(stat(socketPath(pid: render.pid), &info), 0, "the rendering process listens beside the database")
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        render.killWithChildren()
        let gone = try rscript(["gallery", "stop", "\(render.id)"])
        XCTAssertEqual(gone.status, 1)
        XCTAssertEqual(gone.stderr, "rscript: process \(render.pid), which owned render \(render.id), is gone\n")
        let json = try rscript(["gallery", "click", "\(render.id)", "0.5", "0.5", "--json"])
        XCTAssertEqual(json.status, 1)
        let answer = try JSONValue(jsonText: json.stdout.components(separatedBy: "\n")[0])
        XCTAssertEqual(answer["kind"], "processGone", json.stdout)
        XCTAssertEqual(answer["ok"], false)
    }

    // MARK: - bad input

    func testBadInputOnTheSocketIsAnsweredAndTheRenderGoesOn() throws {
        let render = try startPOVRay(resolution: "1600x1200")
        try waitForProgress(render)
        let socket = socketPath(pid: render.pid)
        let cases: [([UInt8], String)] = [
            (Array("hello\n".utf8), "the command is not JSON: invalid JSON at byte 0"),
            ([0xff, 0xfe, 0x00, 0x0a], "the command is not JSON"),
            (Array("{\"command\":\"fly\",\"render\":\(render.id)}\n".utf8), "unknown command 'fly' (known: click, stop)"),
            (Array("{\"command\":\"click\",\"render\":\(render.id),\"x\":2,\"y\":0}\n".utf8),
             #"click: "x" must be from 0 to 1 (a fraction of the image), got 2"#),
            ([UInt8](repeating: UInt8(ascii: "x"), count: 70_000), "the command is longer than 65536 bytes"),
        ]
        for (bytes, message) in cases {
            let line = try RawSocket.exchange(socket, bytes)
            let answer = try JSONValue(jsonText: line)
            XCTAssertEqual(answer["ok"], false, line)
            XCTAssertEqual(answer["code"], "badRequest", line)
            XCTAssertTrue(answer["error"]?.stringValue?.hasPrefix(message) == true, "\(String(decoding: bytes.prefix(60), as: UTF8.self)): \(line)")
        }
        let other = try RawSocket.exchange(socket, Array("{\"command\":\"stop\",\"render\":\(render.id + 1000)}\n".utf8))
        XCTAssertEqual(other, #"{"code":"notRunning","error":"render \#(render.id + 1000) is not running in process \#(render.pid)","ok":false}"#)
        // A client that connects and says nothing holds nobody else up.
        let silent = try RawSocket.connect(socket)
        defer { close(silent) }
        let start = Date()
        let clicked = try rscript(["gallery", "click", "\(render.id)", "0.1", "0.1"])
        XCTAssertEqual(clicked.status, 0, clicked.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.9, "answered before the silent client's 2 s were up")
        XCTAssertEqual(try snapshot(render.id).state, .rendering, "the process renders on")
        XCTAssertNil(render.exitStatus)
        let stopped = try rscript(["gallery", "stop", "\(render.id)"])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertEqual(render.wait(timeout: 30).status, 2, render.stderr)
    }

    // MARK: - the CLI alone

    func testTheCommandsRefuseWhatTheyCannotSend() throws {
        let store = try GalleryStore(path: db)
        let finished = try store.createRender(label: "POV-Ray", renderer: "POVRay", scene: Self.scene).id
        try store.finish(id: finished, state: .finished)
        let result = try rscript(["gallery", "stop", "\(finished)"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "rscript: render \(finished) is finished\n")
        let missing = try rscript(["gallery", "stop", "999"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "rscript: no render with id 999 in \(db)\n")
        // This test process is alive and has no channel.
        let live = try store.createRender(label: "POV-Ray", renderer: "POVRay", scene: Self.scene).id
        let noChannel = try rscript(["gallery", "stop", "\(live)"])
        XCTAssertEqual(noChannel.status, 1)
        XCTAssertTrue(noChannel.stderr.hasPrefix("rscript: process \(getpid()), which owns render \(live), has no control channel ("), noChannel.stderr)
        let outside = try rscript(["gallery", "click", "\(live)", "1.5", "0"])
        XCTAssertEqual(outside.status, 64)
        XCTAssertTrue(outside.stderr.contains("X must be from 0 to 1 (a fraction of the image), got 1.5"), outside.stderr)
    }
}
