import Foundation
import GRDB
import RenderAutomation
import RScriptTesting
import XCTest

/// `rscript render SCENE.blend --renderer Blender --frames SPEC --persistent` through the real
/// binary and Debian's real Blender: its `--json` events (those of a chunked render, one chunk
/// per frame) and its records in the frame tables, when every frame renders, when a frame's
/// Blender dies every time it renders it, after Ctrl-C, and with the database locked by another
/// process for the whole render.
final class PersistentFrameRenderTests: XCTestCase {
    static let folder = NSTemporaryDirectory() + "rscript-persistent-\(UUID().uuidString)"
    static let makeBlend = RScriptBinary.repositoryRoot + "/scripts/examples/scenes/make_blend.py"
    /// A 32x24, 4-sample, 6-frame Cycles scene, made once for the class.
    nonisolated(unsafe) static var scene: Result<String, Error>?

    /// The events a persistent render may print.
    static let vocabulary: Set<String> = ["plan", "chunkStart", "progress", "frameDone", "chunkDone", "chunkFailed", "end"]

    override class func setUp() {
        super.setUp()
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    // MARK: - helpers

    /// The scene, made by make_blend.py once. Fails (never skips) without Blender.
    private func blend() throws -> String {
        let found = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/blender") }
        guard let dir = found else {
            XCTFail("blender is not installed: `apt-get install -y blender` (tools/setup.sh installs it)")
            throw XCTSkip("no blender")
        }
        if Self.scene == nil {
            Self.scene = Result {
                let path = Self.folder + "/scene.blend"
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "\(dir)/blender")
                process.arguments = ["-b", "--factory-startup", "--python", Self.makeBlend, "--", path,
                                     "--res", "32x24", "--samples", "4", "--frames", "6"]
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                try process.run()
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else {
                    throw NSError(domain: "make_blend.py", code: Int(process.terminationStatus), userInfo: [
                        NSLocalizedDescriptionKey: String(decoding: output, as: UTF8.self)])
                }
                return path
            }
        }
        return try Self.scene!.get()
    }

    /// A fresh folder for one test, and the environment that puts its database there.
    private func workspace() throws -> (dir: String, environment: [String: String]) {
        let dir = Self.folder + "/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (dir, ["RSCRIPT_DB": dir + "/gallery.db", "RSCRIPT_PLUGIN_PATH": dir + "/none:&"])
    }

    private func arguments(_ scene: String, frames: String, workers: Int, output: String, _ extra: [String] = []) -> [String] {
        ["render", scene, "--renderer", "Blender", "--frames", frames, "--workers", "\(workers)",
         "--res", "24x18", "--option", "threads=1", "--output", output, "--json"] + extra
    }

    /// `blender=` for a Blender that runs `action` (Python) whenever its scene reaches `frame`:
    /// a handler kept across the client's `initialize` (which loads the .blend).
    private func blenderOption(atFrame frame: Int, _ action: String, importing module: String) -> [String] {
        ["--option", "blender=blender --python-expr \"import bpy, \(module); bpy.app.handlers.frame_change_post.append("
            + "bpy.app.handlers.persistent(lambda scene, *rest: scene.frame_current == \(frame) and \(action)))\""]
    }

    /// Every line of `stdout` as a JSON event (a line that is not one fails the test).
    private func events(_ stdout: String, file: StaticString = #filePath, line: UInt = #line) -> [[String: JSONValue]] {
        stdout.split(separator: "\n").compactMap { text in
            guard let object = (try? JSONValue(jsonText: String(text)))?.objectValue, case .string? = object["event"] else {
                XCTFail("not a JSON event on stdout: \(text)", file: file, line: line)
                return nil
            }
            return object
        }
    }

    private func named(_ events: [[String: JSONValue]], _ name: String) -> [[String: JSONValue]] {
        events.filter { $0["event"] == .string(name) }
    }

    private func int(_ value: JSONValue?) -> Int? {
        if case .int(let n)? = value { return Int(n) }
        return nil
    }

    private func ints(_ value: JSONValue?) -> [Int]? {
        guard case .array(let items)? = value else { return nil }
        return items.compactMap { int($0) }
    }

    /// The kind of a JSON value, for comparing two streams' fields.
    private func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "double"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    private func rows(_ database: String, _ sql: String) throws -> [Row] {
        try DatabaseQueue(path: database).read { db in try Row.fetchAll(db, sql: sql) }
    }

    private func assertNoServerLeft(in dir: String, file: StaticString = #filePath, line: UInt = #line) {
        BlenderServers.assertNoneLeft(in: dir, file: file, line: line)
    }

    // MARK: - tests

    func testJSONEventsAndRecordsAreThoseOfAChunkedRender() throws {
        let scene = try blend()
        let (dir, env) = try workspace()
        let result = try RScriptBinary.run(arguments(scene, frames: "1-3", workers: 2, output: dir + "/out", ["--persistent"]),
                                           environment: env, directory: dir, timeout: 90)
        XCTAssertEqual(result.status, 0, "\(result.stdout)\n\(result.stderr)")
        let stream = events(result.stdout)
        XCTAssertEqual(stream.first?["event"], "plan", result.stdout)
        XCTAssertEqual(stream.last?["event"], "end", result.stdout)
        XCTAssertTrue(Set(stream.compactMap { $0["event"]?.stringValue }).isSubset(of: Self.vocabulary), result.stdout)

        let plan = try XCTUnwrap(named(stream, "plan").first)
        XCTAssertEqual(int(plan["frames"]), 3)
        XCTAssertEqual(int(plan["render"]), 3)
        XCTAssertEqual(ints(plan["skipped"]), [])
        XCTAssertEqual(plan["chunks"], .array(["1", "2", "3"]))
        XCTAssertEqual(int(plan["chunkSize"]), 1)
        XCTAssertEqual(int(plan["workers"]), 2)
        XCTAssertEqual(plan["output"]?.stringValue, dir + "/out")
        XCTAssertEqual(plan["pattern"]?.stringValue, dir + "/out/scene_####")

        // Each frame: started on a client, done with its image, its chunk done, in that order.
        var pidOfFrame: [Int: Int] = [:]
        var logOfFrame: [Int: String] = [:]
        for frame in 1...3 {
            let startAt = try XCTUnwrap(stream.firstIndex { $0["event"] == "chunkStart" && int($0["first"]) == frame }, "frame \(frame)")
            let start = stream[startAt]
            let run = try XCTUnwrap(int(start["run"]))
            XCTAssertEqual(int(start["last"]), frame)
            XCTAssertEqual(int(start["step"]), 1)
            XCTAssertEqual(ints(start["frames"]), [frame])
            XCTAssertEqual(start["chunk"]?.stringValue, "\(frame)")
            XCTAssertEqual(int(start["attempt"]), 1)
            XCTAssertTrue((1...2).contains(int(start["worker"]) ?? 0), "\(start)")
            let pid = try XCTUnwrap(int(start["pid"]))
            let log = try XCTUnwrap(start["log"]?.stringValue)
            XCTAssertTrue(FileManager.default.fileExists(atPath: log), log)
            pidOfFrame[frame] = pid
            logOfFrame[frame] = log
            let doneAt = try XCTUnwrap(stream.firstIndex { $0["event"] == "frameDone" && int($0["run"]) == run }, "frame \(frame)")
            let done = stream[doneAt]
            XCTAssertEqual(int(done["frame"]), frame)
            XCTAssertEqual(int(done["worker"]), int(start["worker"]))
            XCTAssertEqual(int(done["total"]), 3)
            XCTAssertEqual(done["path"]?.stringValue, dir + "/out/scene_000\(frame).png")
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/out/scene_000\(frame).png"))
            let chunkDoneAt = try XCTUnwrap(stream.firstIndex { $0["event"] == "chunkDone" && int($0["run"]) == run })
            XCTAssertLessThan(startAt, doneAt)
            XCTAssertLessThan(doneAt, chunkDoneAt)
        }
        XCTAssertEqual(named(stream, "frameDone").compactMap { int($0["done"]) }, [1, 2, 3])
        XCTAssertEqual(Set(pidOfFrame.values).count, 2, "two clients, each started once: \(pidOfFrame)")
        XCTAssertEqual(named(stream, "chunkFailed").count, 0)

        let end = try XCTUnwrap(named(stream, "end").first)
        XCTAssertEqual(end["state"], "finished")
        XCTAssertEqual(int(end["rendered"]), 3)
        XCTAssertEqual(int(end["skipped"]), 0)
        XCTAssertEqual(ints(end["failed"]), [])
        XCTAssertEqual(ints(end["notRendered"]), [])
        XCTAssertEqual(int(end["exitStatus"]), 0)
        XCTAssertEqual(end["output"]?.stringValue, dir + "/out")
        XCTAssertEqual(end["seconds"].map(kind), "double")

        // The database: one finished render, one done chunk per frame with its client's pid and log.
        let database = dir + "/gallery.db"
        let renders = try rows(database, "SELECT label, spec, workers, frames, skipped, rendered, notRendered, state, endedAt FROM frame_renders")
        XCTAssertEqual(renders.count, 1)
        let render = try XCTUnwrap(renders.first)
        XCTAssertEqual(render["label"] as String?, "Blender")
        XCTAssertEqual(render["spec"] as String?, "1-3")
        XCTAssertEqual(render["workers"] as Int?, 2)
        XCTAssertEqual(render["frames"] as Int?, 3)
        XCTAssertEqual(render["skipped"] as Int?, 0)
        XCTAssertEqual(render["rendered"] as Int?, 3)
        XCTAssertNil(render["notRendered"] as String?)
        XCTAssertEqual(render["state"] as String?, "finished")
        XCTAssertNotNil(render["endedAt"] as Double?)
        let chunks = try rows(database, "SELECT first, last, step, attempt, state, worker, pid, logPath, framesDone, reason FROM frame_chunks ORDER BY first")
        XCTAssertEqual(chunks.map { $0["first"] as Int }, [1, 2, 3])
        for chunk in chunks {
            let frame: Int = chunk["first"]
            XCTAssertEqual(chunk["last"] as Int, frame)
            XCTAssertEqual(chunk["step"] as Int, 1)
            XCTAssertEqual(chunk["attempt"] as Int, 1)
            XCTAssertEqual(chunk["state"] as String, "done")
            XCTAssertEqual(chunk["framesDone"] as Int, 1)
            XCTAssertTrue((1...2).contains(chunk["worker"] as Int), "\(chunk)")
            XCTAssertEqual(chunk["pid"] as Int?, pidOfFrame[frame])
            XCTAssertEqual(chunk["logPath"] as String?, logOfFrame[frame])
            XCTAssertNil(chunk["reason"] as String?)
        }

        // Everything is there now: a plan with nothing to render, and a render recorded with no chunks.
        let again = try RScriptBinary.run(arguments(scene, frames: "1-3", workers: 2, output: dir + "/out", ["--persistent"]),
                                          environment: env, directory: dir, timeout: 60)
        XCTAssertEqual(again.status, 0, again.stderr)
        let second = events(again.stdout)
        XCTAssertEqual(second.compactMap { $0["event"]?.stringValue }, ["plan", "end"], again.stdout)
        XCTAssertEqual(ints(second.first?["skipped"]), [1, 2, 3])
        XCTAssertEqual(int(second.first?["render"]), 0)
        XCTAssertEqual(int(second.last?["skipped"]), 3)
        XCTAssertEqual(int(second.last?["rendered"]), 0)
        XCTAssertEqual(second.last?["state"], "finished")
        XCTAssertEqual(try rows(database, "SELECT state, skipped, rendered FROM frame_renders WHERE id = 2").map {
            "\($0["state"] as String)|\($0["skipped"] as Int)|\($0["rendered"] as Int)" }, ["finished|3|0"])
        XCTAssertEqual(try rows(database, "SELECT id FROM frame_chunks WHERE renderId = 2").count, 0)

        // A chunked render's stream: the persistent one has each of its events' fields, of the same kinds.
        let chunked = try RScriptBinary.run(arguments(scene, frames: "4-5", workers: 1, output: dir + "/chunked"),
                                            environment: env, directory: dir, timeout: 90)
        XCTAssertEqual(chunked.status, 0, "\(chunked.stdout)\n\(chunked.stderr)")
        let reference = events(chunked.stdout)
        for name in ["plan", "chunkStart", "frameDone", "chunkDone", "end"] {
            let theirs = try XCTUnwrap(named(reference, name).first, "the chunked render printed no \(name)")
            let ours = try XCTUnwrap(named(stream, name).first, "no \(name)")
            for (key, value) in theirs {
                XCTAssertEqual(ours[key].map(kind), kind(value), "\(name).\(key): \(ours) against \(theirs)")
            }
        }
        assertNoServerLeft(in: dir)
    }

    func testAFrameWhoseBlenderAlwaysDiesIsRetriedOnceThenRecordedFailed() throws {
        let scene = try blend()
        let (dir, env) = try workspace()
        let args = arguments(scene, frames: "1-3", workers: 2, output: dir + "/out", ["--persistent"])
            + blenderOption(atFrame: 2, "os._exit(3)", importing: "os")
        let result = try RScriptBinary.run(args, environment: env, directory: dir, timeout: 90)
        XCTAssertEqual(result.status, 1, "\(result.stdout)\n\(result.stderr)")
        let stream = events(result.stdout)
        let failures = named(stream, "chunkFailed")
        XCTAssertEqual(failures.map { int($0["attempt"]) }, [1, 2], result.stdout)
        XCTAssertEqual(failures.map { $0["retry"] }, [.bool(true), .bool(false)])
        for failure in failures {
            XCTAssertEqual(failure["chunk"]?.stringValue, "2")
            XCTAssertEqual(ints(failure["frames"]), [2])
            let reason = failure["reason"]?.stringValue ?? ""
            XCTAssertTrue(reason.hasPrefix("BlenderClient:render_frame: Blender (pid ") && reason.contains("died (exit code 3)"), reason)
            XCTAssertTrue(FileManager.default.fileExists(atPath: failure["log"]?.stringValue ?? ""), "\(failure)")
        }
        let retry = try XCTUnwrap(named(stream, "chunkStart").first { int($0["first"]) == 2 && int($0["attempt"]) == 2 }, result.stdout)
        XCTAssertNotNil(int(retry["pid"]))
        XCTAssertEqual(Set(named(stream, "frameDone").compactMap { int($0["frame"]) }), [1, 3])
        let end = try XCTUnwrap(named(stream, "end").first)
        XCTAssertEqual(end["state"], "failed")
        XCTAssertEqual(ints(end["failed"]), [2])
        XCTAssertEqual(ints(end["notRendered"]), [])
        XCTAssertEqual(int(end["rendered"]), 2)
        XCTAssertEqual(int(end["exitStatus"]), 1)
        XCTAssertTrue(result.stderr.contains("died (exit code 3)"), "why is for the person who ran it: \(result.stderr)")

        let database = dir + "/gallery.db"
        XCTAssertEqual(try rows(database, "SELECT state, rendered, notRendered FROM frame_renders").map {
            "\($0["state"] as String)|\($0["rendered"] as Int)|\($0["notRendered"] as String)" }, ["failed|2|2"])
        let chunks = try rows(database, "SELECT first, attempt, state, framesDone, reason FROM frame_chunks ORDER BY first, attempt")
        XCTAssertEqual(chunks.map { "\($0["first"] as Int)|\($0["attempt"] as Int)|\($0["state"] as String)|\($0["framesDone"] as Int)" },
                       ["1|1|done|1", "2|1|retried|0", "2|2|failed|0", "3|1|done|1"])
        XCTAssertTrue(chunks.filter { $0["first"] as Int == 2 }.allSatisfy { ($0["reason"] as String?)?.contains("died (exit code 3)") == true })
        assertNoServerLeft(in: dir)
    }

    func testCtrlCRecordsTheRenderInterruptedAndStopsEveryBlender() throws {
        let scene = try blend()
        let (dir, env) = try workspace()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        process.arguments = arguments(scene, frames: "1-4", workers: 2, output: dir + "/out", ["--persistent"])
            + blenderOption(atFrame: 2, "time.sleep(60)", importing: "time")
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until frame 2 is on a client (whose Blender then sleeps in it) and the others are done.
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let stream = text.split(separator: "\n").compactMap { (try? JSONValue(jsonText: String($0)))?.objectValue }
            let started = named(stream, "chunkStart").contains { int($0["first"]) == 2 }
            if started && named(stream, "frameDone").count == 3 { break }
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        let stopDeadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < stopDeadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130, text)
        let stream = events(text)
        let interrupted = try XCTUnwrap(named(stream, "chunkFailed").first, text)
        XCTAssertEqual(interrupted["chunk"]?.stringValue, "2")
        XCTAssertEqual(interrupted["reason"], "interrupted")
        XCTAssertEqual(interrupted["retry"], .bool(false))
        let end = try XCTUnwrap(named(stream, "end").first, text)
        XCTAssertEqual(end["state"], "interrupted")
        XCTAssertEqual(ints(end["notRendered"]), [2])
        XCTAssertEqual(int(end["rendered"]), 3)
        XCTAssertEqual(int(end["exitStatus"]), 130)
        assertNoServerLeft(in: dir)

        let database = dir + "/gallery.db"
        XCTAssertEqual(try rows(database, "SELECT state, rendered, notRendered FROM frame_renders").map {
            "\($0["state"] as String)|\($0["rendered"] as Int)|\($0["notRendered"] as String)" }, ["interrupted|3|2"])
        XCTAssertEqual(try rows(database, "SELECT first, state FROM frame_chunks ORDER BY first").map {
            "\($0["first"] as Int)|\($0["state"] as String)" }, ["1|done", "2|interrupted", "3|done", "4|done"])
    }

    func testALockedDatabaseDoesNotHoldTheRenderAndItsRecordsLandAfterwards() throws {
        let scene = try blend()
        let (dir, env) = try workspace()
        let database = dir + "/gallery.db"
        _ = try FrameStore(path: database)  // the tables, so that opening it later only reads
        // Another process takes the write lock and keeps it until told to commit.
        let locker = try SQLiteWriteLock(database)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        process.arguments = arguments(scene, frames: "1-3", workers: 2, output: dir + "/out", ["--persistent"])
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Every frame renders while the lock is held: nothing on the loop waited for it.
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while text.components(separatedBy: "\"frameDone\"").count < 4 && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertTrue(locker.isHeld, "the lock was held all along")
        XCTAssertEqual(named(events(text), "frameDone").count, 3, text)

        // Once the lock is gone, the records land and the render ends.
        try locker.commit()
        let exitDeadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < exitDeadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertEqual(named(events(text), "end").first?["state"], "finished", text)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertFalse(stderr.contains("cannot record"), stderr)
        XCTAssertEqual(try rows(database, "SELECT state, rendered FROM frame_renders").map {
            "\($0["state"] as String)|\($0["rendered"] as Int)" }, ["finished|3"])
        XCTAssertEqual(try rows(database, "SELECT first, state FROM frame_chunks ORDER BY first").map {
            "\($0["first"] as Int)|\($0["state"] as String)" }, ["1|done", "2|done", "3|done"])
        assertNoServerLeft(in: dir)
    }
}
