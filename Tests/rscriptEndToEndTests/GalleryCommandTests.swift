import Foundation
import RenderAutomation
import RScriptTesting
import XCTest

/// `rscript gallery list | show | watch | rm` on the real binary, against databases filled
/// through `GalleryStore` (as a render's runtime would fill them).
final class GalleryCommandTests: XCTestCase {
    var folder: String!
    var db: String { folder + "/gallery.db" }

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-gallery-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func gallery(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["gallery"] + arguments + ["--db", db], environment: environment, timeout: timeout)
    }

    /// The pid of a process that has exited.
    func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// Three renders: a finished one with images, a failed one, a live one (this process).
    @discardableResult
    func fill(_ store: GalleryStore) throws -> (finished: Int64, failed: Int64, live: Int64) {
        let finished = try store.createRender(
            label: "POV-Ray", renderer: "PovRayRenderer", scene: "/scenes/box.pov",
            options: ["viewport": ["res_x": 320, "res_y": 240]], logPath: "/logs/1.log").id
        try store.appendImage(id: finished, path: "/out/box.png")
        try store.appendImage(id: finished, path: "/out/box.png")
        try store.mergeMetadata(id: finished, ["percentDone": 100, "totalClockTime": 2.5, "peakMemory": 1_048_576])
        try store.finish(id: finished, state: .finished)
        let failed = try store.createRender(label: "Blender", renderer: "BlenderRenderer", scene: "/scenes/cube.blend").id
        try store.finish(id: failed, state: .failed, error: .init(message: "OpenImageDenoise is not available", traceback: "stack traceback:\n\tblender.lua:40"))
        let live = try store.createRender(label: "Command", renderer: "CommandRenderer", scene: "/scenes/x.txt").id
        try store.mergeMetadata(id: live, ["percentDone": 42.5])
        return (finished, failed, live)
    }

    // MARK: list

    func testListPrintsATableNewestFirst() throws {
        let ids = try fill(GalleryStore(path: db))
        let result = try gallery(["list"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, result.stdout)
        XCTAssertEqual(lines[0].split(separator: " ", omittingEmptySubsequences: true),
                       ["ID", "STATE", "LABEL", "SCENE", "PERCENT", "STARTED", "DURATION"])
        XCTAssertTrue(lines[0].hasPrefix("ID  STATE      LABEL    SCENE               PERCENT  STARTED"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix(" \(ids.live)  rendering  Command  /scenes/x.txt         42.5%  "), lines[1])
        XCTAssertTrue(lines[2].hasPrefix(" \(ids.failed)  failed     Blender  /scenes/cube.blend        -  "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix(" \(ids.finished)  finished   POV-Ray  /scenes/box.pov        100%  "), lines[3])
        XCTAssertTrue(lines[3].hasSuffix("  0.0s"), lines[3])
    }

    func testListJSONFiltersAndLimits() throws {
        let ids = try fill(GalleryStore(path: db))
        let all = try JSONValue(jsonText: gallery(["list", "--json"]).stdout)
        guard case .array(let renders) = all else { return XCTFail("not an array: \(all)") }
        XCTAssertEqual(renders.map { $0["id"] }, [.int(ids.live), .int(ids.failed), .int(ids.finished)])
        XCTAssertEqual(renders[2]["imagePaths"]?.arrayCount, 1, "latest image only")
        XCTAssertEqual(renders[2]["imageCount"], .int(2))
        XCTAssertEqual(renders[2]["metadata"]?["percentDone"], .int(100))
        XCTAssertEqual(renders[0]["orphaned"], .bool(false))

        let finished = try gallery(["list", "--json", "--state", "finished"])
        XCTAssertEqual(try JSONValue(jsonText: finished.stdout).withoutVolatileFields, JSONValue.array([renders[2]]).withoutVolatileFields)
        let limited = try JSONValue(jsonText: gallery(["list", "--json", "--limit", "2"]).stdout)
        if case .array(let two) = limited { XCTAssertEqual(two.map { $0["id"] }, [.int(ids.live), .int(ids.failed)]) }
        let none = try gallery(["list", "--state", "stopped"])
        XCTAssertEqual(none.stdout, "no renders stopped in \(db)\n")
        let bad = try gallery(["list", "--limit", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--limit must be a positive number"), bad.stderr)
    }

    func testAMissingDatabaseListsNothingAndIsNotCreated() throws {
        XCTAssertEqual(try gallery(["list"]).stdout, "no renders in \(db)\n")
        XCTAssertEqual(try gallery(["list", "--json"]).stdout, "[]\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: db))
    }

    func testRSCRIPT_DBChoosesTheDatabase() throws {
        let ids = try fill(GalleryStore(path: db))
        let result = try RScriptBinary.run(["gallery", "show", "\(ids.failed)", "--json"], environment: ["RSCRIPT_DB": db])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try JSONValue(jsonText: result.stdout)["label"], "Blender")
    }

    func testARenderWhoseRuntimeDiedShowsAsOrphaned() throws {
        let store = try GalleryStore(path: db)
        let id = try store.createRender(label: "POV-Ray", renderer: "R", scene: "/s.pov", pid: try deadPID()).id
        let list = try gallery(["list"])
        XCTAssertTrue(list.stdout.contains("\(id)  rendering (orphaned)  POV-Ray"), list.stdout)
        XCTAssertEqual(try JSONValue(jsonText: gallery(["show", "\(id)", "--json"]).stdout)["orphaned"], .bool(true))
        let watch = try gallery(["watch", "\(id)"], timeout: 10)
        XCTAssertEqual(watch.status, 1)
        XCTAssertEqual(watch.stdout, "rendering (orphaned)  -\n")
        XCTAssertTrue(watch.stderr.hasPrefix("rscript: render \(id) was left rendering by process "), watch.stderr)
    }

    // MARK: show

    func testShowPrintsEveryFieldHistoryAndSortedMetadata() throws {
        let ids = try fill(GalleryStore(path: db))
        let result = try gallery(["show", "\(ids.finished)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = result.stdout
        for line in ["id        \(ids.finished)", "label     POV-Ray", "renderer  PovRayRenderer", "scene     /scenes/box.pov",
                     "state     finished", "percent   100%", "log       /logs/1.log", "work dir  -",
                     #"options   {"viewport":{"res_x":320,"res_y":240}}"#, "images (2):", "metadata:"] {
            XCTAssertTrue(page.contains(line + "\n"), "missing \(line) in\n\(page)")
        }
        XCTAssertEqual(page.components(separatedBy: "/out/box.png\n").count, 3, "both updates are listed")
        XCTAssertTrue(page.hasSuffix("metadata:\n  peakMemory      1048576\n  percentDone     100\n  totalClockTime  2.5\n"), page)

        let failed = try gallery(["show", "\(ids.failed)"]).stdout
        XCTAssertTrue(failed.contains("error     OpenImageDenoise is not available\ntraceback stack traceback:\n") ||
                      failed.contains("error      OpenImageDenoise is not available\ntraceback  stack traceback:\n"), failed)
    }

    func testShowJSONHasEveryField() throws {
        let ids = try fill(GalleryStore(path: db))
        let result = try gallery(["show", "\(ids.finished)", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try JSONValue(jsonText: result.stdout)
        XCTAssertEqual(Set(json.objectValue?.keys.map { $0 } ?? []), [
            "id", "label", "renderer", "scene", "options", "state", "orphaned", "imagePaths", "imageCount", "metadata",
            "startedAt", "endedAt", "updatedAt", "duration", "logPath", "workDir", "error", "pid", "changeCount",
        ])
        XCTAssertEqual(json["state"], "finished")
        XCTAssertEqual(json["options"], ["viewport": ["res_x": 320, "res_y": 240]])
        XCTAssertEqual(json["metadata"], ["percentDone": 100, "totalClockTime": 2.5, "peakMemory": 1_048_576])
        XCTAssertEqual(json["imageCount"], 2)
        XCTAssertEqual(json["workDir"], .null)
        XCTAssertEqual(json["pid"], .int(Int64(getpid())))
        if case .array(let images) = json["imagePaths"] {
            XCTAssertEqual(images.map { $0["path"] }, ["/out/box.png", "/out/box.png"])
        } else {
            XCTFail("imagePaths: \(String(describing: json["imagePaths"]))")
        }
        let failed = try JSONValue(jsonText: gallery(["show", "\(ids.failed)", "--json"]).stdout)
        XCTAssertEqual(failed["error"], ["message": "OpenImageDenoise is not available", "traceback": "stack traceback:\n\tblender.lua:40"])
    }

    // MARK: unknown ids and bad files

    func testUnknownIdIsAnErrorEverywhere() throws {
        try fill(GalleryStore(path: db))
        for command in ["show", "watch", "rm"] {
            for json in [false, true] {
                let result = try gallery([command, "4242"] + (json ? ["--json"] : []))
                XCTAssertEqual(result.status, 1, "\(command): \(result.stderr)")
                XCTAssertEqual(result.stderr, "rscript: no render with id 4242 in \(db)\n", command)
                XCTAssertEqual(result.stdout, "", command)
            }
        }
        let missingDB = folder + "/none.db"
        let result = try RScriptBinary.run(["gallery", "show", "1", "--db", missingDB])
        XCTAssertEqual(result.stderr, "rscript: no render with id 1 in \(missingDB)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: missingDB))
    }

    func testANonDatabaseFileIsAClearError() throws {
        let contents = Data("not sqlite\n".utf8)
        _ = FileManager.default.createFile(atPath: db, contents: contents)
        for command in [["list"], ["show", "1"], ["rm", "1"], ["watch", "1"]] {
            let result = try gallery(command)
            XCTAssertEqual(result.status, 1)
            XCTAssertEqual(result.stderr, "rscript: \(db) is not an rscript gallery database\n", command.joined())
        }
        XCTAssertEqual(FileManager.default.contents(atPath: db), contents)
    }

    /// As an unprivileged user (nobody, through setpriv, when the tests run as root).
    func testAnUnwritableDatabaseIsAClearError() throws {
        var prefix: [String] = []
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw XCTSkip("needs setpriv to drop root") }
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        }
        let ids = try fill(GalleryStore(path: db))
        if getuid() != 0 {
            chmod(db, 0o444)
            chmod(folder, 0o555)
        }
        defer { chmod(folder, 0o755); chmod(db, 0o644) }
        let rscript = prefix + [RScriptBinary.path, "gallery"]
        let denied = "rscript: cannot write the gallery database \(db): Permission denied\n"

        let remove = try Self.run(rscript + ["rm", "\(ids.finished)", "--db", db])
        XCTAssertEqual(remove.status, 1)
        XCTAssertEqual(remove.stderr, denied)
        // Reading a WAL database needs its -shm file: without a writer, nobody cannot make it.
        let show = try Self.run(rscript + ["show", "\(ids.finished)", "--db", db])
        XCTAssertEqual(show.status, 1)
        XCTAssertEqual(show.stderr, denied)
        // While a writer has the database open, read-only access works.
        let writer = try GalleryStore(path: db)
        try writer.mergeMetadata(id: ids.finished, ["seen": true])
        let list = try Self.run(rscript + ["list", "--json", "--db", db])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(try JSONValue(jsonText: list.stdout).arrayCount, 3)
        XCTAssertEqual(try Self.run(rscript + ["rm", "\(ids.finished)", "--db", db]).stderr, denied)
        XCTAssertEqual(try writer.list().count, 3, "nothing was removed")
        let fresh = try Self.run(rscript + ["rm", "1", "--db", folder + "/sub/new.db"])
        XCTAssertEqual(fresh.status, 1)
        XCTAssertEqual(fresh.stderr, "rscript: no render with id 1 in \(folder!)/sub/new.db\n")
    }

    // MARK: watch

    func testWatchPrintsEachChangeUntilFinished() throws {
        let store = try GalleryStore(path: db)
        let id = try store.createRender(label: "POV-Ray", renderer: "R", scene: "/s.pov").id
        let watcher = BackgroundRun(["gallery", "watch", "\(id)", "--db", db])
        Thread.sleep(forTimeInterval: 1.0)
        for step in [
            { try store.mergeMetadata(id: id, ["percentDone": 10, "totalClockTime": 0.5]) },
            { try store.mergeMetadata(id: id, ["totalClockTime": 0.7]) },  // not shown: the line is the same
            { try store.mergeMetadata(id: id, ["percentDone": 50.5]) },
            { try store.appendImage(id: id, path: "/out/a.png") },
            { try store.mergeMetadata(id: id, ["percentDone": 100]); try store.finish(id: id, state: .finished) },
        ] as [() throws -> Void] {
            try step()
            Thread.sleep(forTimeInterval: 0.5)
        }
        let result = try watcher.wait()
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let expected = ["rendering  -", "rendering  10%", "rendering  50.5%", "rendering  50.5%  /out/a.png", "finished  100%  /out/a.png"]
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // Each change is 0.5 s apart and the watcher polls every 0.15 s, so it sees them all;
        // a machine stalled for longer may merge two, never reorder or repeat them.
        XCTAssertEqual(lines.first, expected.first, result.stdout)
        XCTAssertEqual(lines.last, expected.last, result.stdout)
        XCTAssertTrue(Self.isSubsequence(lines, of: expected), result.stdout)
        XCTAssertGreaterThanOrEqual(lines.count, 4, result.stdout)
    }

    func testWatchJSONPrintsOneObjectPerChangeAndFailsWithTheRender() throws {
        let store = try GalleryStore(path: db)
        let id = try store.createRender(label: "Blender", renderer: "R", scene: "/s.blend").id
        let watcher = BackgroundRun(["gallery", "watch", "\(id)", "--json", "--db", db])
        Thread.sleep(forTimeInterval: 1.0)
        try store.mergeMetadata(id: id, ["percentDone": 5])
        Thread.sleep(forTimeInterval: 0.5)
        try store.mergeMetadata(id: id, ["peakMemory": 1000])
        Thread.sleep(forTimeInterval: 0.5)
        try store.finish(id: id, state: .failed, error: .init(message: "boom"))
        let result = try watcher.wait()
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "rscript: render \(id) failed: boom\n")
        let events = try result.stdout.split(separator: "\n").map { try JSONValue(jsonText: String($0)) }
        let counts = events.compactMap { event -> Int64? in if case .int(let n) = event["changeCount"] { return n } else { return nil } }
        XCTAssertEqual(counts.first, 1)
        XCTAssertEqual(counts.last, 4)
        XCTAssertEqual(counts, counts.sorted(), "in order")
        XCTAssertEqual(Set(counts).count, counts.count, "one object per change")
        XCTAssertGreaterThanOrEqual(counts.count, 3)
        XCTAssertEqual(events.last?["state"], "failed")
        XCTAssertEqual(events.dropLast().map { $0["state"] }, Array(repeating: "rendering", count: events.count - 1))
        XCTAssertEqual(events.last?["metadata"], ["percentDone": 5, "peakMemory": 1000])
    }

    func testWatchingAnEndedRenderExitsAtOnce() throws {
        let ids = try fill(GalleryStore(path: db))
        let finished = try gallery(["watch", "\(ids.finished)"], timeout: 10)
        XCTAssertEqual(finished.status, 0)
        XCTAssertEqual(finished.stdout, "finished  100%  /out/box.png\n")
        let failed = try gallery(["watch", "\(ids.failed)"], timeout: 10)
        XCTAssertEqual(failed.status, 1)
        XCTAssertEqual(failed.stdout, "failed  -\n")
        XCTAssertEqual(failed.stderr, "rscript: render \(ids.failed) failed: OpenImageDenoise is not available\nstack traceback:\n\tblender.lua:40\n")
        let store = try GalleryStore(path: db)
        let stopped = try store.createRender(label: "L", renderer: "R", scene: "s").id
        try store.finish(id: stopped, state: .stopped)
        let result = try gallery(["watch", "\(stopped)"], timeout: 10)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "rscript: render \(stopped) was stopped\n")
    }

    func testWatchEndsWhenTheRenderIsRemoved() throws {
        let store = try GalleryStore(path: db)
        let id = try store.createRender(label: "L", renderer: "R", scene: "s").id
        let watcher = BackgroundRun(["gallery", "watch", "\(id)", "--db", db])
        Thread.sleep(forTimeInterval: 0.8)
        XCTAssertTrue(try store.remove(id: id))
        let result = try watcher.wait()
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "rscript: no render with id \(id) in \(db)\n")
    }

    // MARK: rm

    func testRemoveDeletesTheRenderAndTheGallerysFolder() throws {
        let store = try GalleryStore(path: db)
        let ids = try fill(store)
        let dir = try store.makeWorkDir(id: ids.finished)
        _ = FileManager.default.createFile(atPath: dir + "/image.png", contents: Data([0]))
        let result = try gallery(["rm", "\(ids.finished)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "removed render \(ids.finished) and its folder \(dir)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
        XCTAssertNil(try store.snapshot(id: ids.finished))
        XCTAssertEqual(try gallery(["rm", "\(ids.finished)"]).status, 1)

        let json = try gallery(["rm", "\(ids.failed)", "--json"])
        XCTAssertEqual(try JSONValue(jsonText: json.stdout), ["id": .int(ids.failed), "removed": true, "workDir": nil, "workDirRemoved": false])
    }

    func testRemoveRefusesALiveRenderUnlessForced() throws {
        let ids = try fill(GalleryStore(path: db))
        let refused = try gallery(["rm", "\(ids.live)"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "rscript: render \(ids.live) is still rendering (process \(getpid())); stop it first, or use --force\n")
        let forced = try gallery(["rm", "\(ids.live)", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        let store = try GalleryStore(path: db)
        let orphan = try store.createRender(label: "L", renderer: "R", scene: "s", pid: try deadPID()).id
        XCTAssertEqual(try gallery(["rm", "\(orphan)"]).status, 0, "an orphan needs no --force")
    }

    // MARK: several processes at once

    /// Twenty `rscript gallery rm` processes, started at once, while this process keeps writing
    /// to the same file: every process and every write succeeds.
    func testManyProcessesWritingAtOnceAllSucceed() throws {
        let store = try GalleryStore(path: db)
        let victims = try (0..<20).map { n in
            try store.createRender(label: "victim \(n)", renderer: "R", scene: "s", pid: nil).id
        }
        try store.apply(victims.map { .finish(id: $0, state: .finished, error: nil) })
        let survivor = try store.createRender(label: "survivor", renderer: "R", scene: "s").id
        let removals = victims.map { BackgroundRun(["gallery", "rm", "\($0)", "--db", db]) }
        var writes = 0
        while removals.contains(where: { !$0.isDone }) || writes < 100 {
            try store.appendImage(id: survivor, path: "/\(writes).png")
            try store.mergeMetadata(id: survivor, ["n": .int(Int64(writes))])
            writes += 1
        }
        for removal in removals {
            let result = try removal.wait()
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(try store.list().map(\.id), [survivor])
        let snapshot = try XCTUnwrap(store.snapshot(id: survivor))
        XCTAssertEqual(snapshot.imageCount, writes)
        XCTAssertEqual(snapshot.imagePaths.map(\.path), (0..<writes).map { "/\($0).png" })
        XCTAssertEqual(snapshot.metadata["n"], .int(Int64(writes - 1)))
    }

    // MARK: Helpers

    static func isSubsequence(_ lines: [String], of expected: [String]) -> Bool {
        var rest = expected[...]
        for line in lines {
            guard let index = rest.firstIndex(of: line) else { return false }
            rest = rest[(index + 1)...]
        }
        return true
    }

    /// Runs any command (for `setpriv ... rscript`), returning status and output.
    static func run(_ command: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

/// `RScriptBinary.run` on another thread, to let the test act while the command runs.
final class BackgroundRun: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<RScriptBinary.Result, any Error>?
    private let done = DispatchSemaphore(value: 0)

    /// On a thread of its own: blocking Dispatch's pool with many waits would starve the pipe
    /// readers `RScriptBinary.run` queues there (Dispatch adds a thread only once a second).
    init(_ arguments: [String], timeout: Double = 30) {
        let thread = Thread {
            let outcome = Result { try RScriptBinary.run(arguments, timeout: timeout) }
            self.lock.lock()
            self.result = outcome
            self.lock.unlock()
            self.done.signal()
        }
        thread.start()
    }

    var isDone: Bool {
        lock.lock()
        defer { lock.unlock() }
        return result != nil
    }

    func wait() throws -> RScriptBinary.Result {
        done.wait()
        done.signal()
        lock.lock()
        defer { lock.unlock() }
        return try result!.get()
    }
}

extension JSONValue {
    /// The number of elements of an array (-1 for anything else).
    var arrayCount: Int {
        if case .array(let a) = self { return a.count } else { return -1 }
    }

    /// The value without the fields that depend on the moment it was printed.
    var withoutVolatileFields: JSONValue {
        switch self {
        case .array(let a): return .array(a.map(\.withoutVolatileFields))
        case .object(var o):
            o["duration"] = nil
            return .object(o)
        default: return self
        }
    }
}
