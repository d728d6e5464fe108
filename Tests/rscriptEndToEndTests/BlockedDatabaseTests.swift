import Foundation
import GRDB
import RScriptTesting
@testable import RenderAutomation
import XCTest

/// The loop never waits for the database: with another process holding the gallery's write
/// lock, timers fire on time and renders, pool tasks and frame-range chunks keep going; what they
/// recorded lands once the lock is released.
final class BlockedDatabaseTests: XCTestCase {
    /// A renderer with no process that records one image per poll (every 50 ms).
    static let writerPlugin = """
        local BackgroundRenderer = require("rscript.backgroundrenderer")
        local Writer = BackgroundRenderer:extend("WriterRender")
        function Writer:pollFrequency() return 0.05 end
        function Writer:startBackgroundRender(scene, options) self.tag = options.plugin.tag end
        function Writer:isRenderFinished()
          _G.IMAGES = _G.IMAGES or {}
          _G.IMAGES[self.tag] = (_G.IMAGES[self.tag] or 0) + 1
          self:updateImagePath(self.tag .. "/" .. _G.IMAGES[self.tag])
          return false
        end
        function Writer:stopBackgroundRender() end
        function registerBackgroundRenderers(manager) manager:registerBackgroundRenderer("Writer", Writer) end
        """

    static let main = """
        local gallery = require("rscript.gallery")
        local process = require("rscript.process")
        local task = require("rscript.task")
        local time = require("rscript.time")
        local Pool = require("rscript.pool")
        local db = assert(os.getenv("RSCRIPT_DB"))
        local renders = {}
        for i = 1, 4 do
          renders[i] = gallery.startRender{ renderer = "Writer", scene = "scene.txt", options = { tag = "r" .. i } }
        end
        local pool = Pool.new{ workers = 1 }
        time.sleep(0.3)
        local locker = require("locking").lock(db, 1.5)
        local imagesAtLock = 0
        for _, n in pairs(IMAGES) do imagesAtLock = imagesAtLock + n end
        -- A render started now: its task waits for the row, the others do not.
        local r5
        local fifth = task.spawn(function()
          r5 = gallery.startRender{ renderer = "Writer", scene = "scene.txt", options = { tag = "r5" } }
        end)
        -- While the lock is held: a first pool (its table made then) runs and records its tasks,
        -- and a ticker keeps time.
        local squares = pool:map("square.lua", { 1, 2, 3 })
        assert(squares[3] == 9)
        local worst, ticks = 0, 0
        while locker:poll() == nil do
          local t = time.monotonic()
          time.sleep(0.02)
          worst = math.max(worst, time.monotonic() - t - 0.02)
          ticks = ticks + 1
        end
        assert(locker:wait() == 0, table.concat(locker:tail(5), "\\n"))
        local imagesWhileLocked = 0
        for _, n in pairs(IMAGES) do imagesWhileLocked = imagesWhileLocked + n end
        imagesWhileLocked = imagesWhileLocked - imagesAtLock
        assert(fifth:wait() and r5, "the render started while locked")
        renders[5] = r5
        time.sleep(0.3)
        for _, r in ipairs(renders) do r:stop() end
        for _, r in ipairs(renders) do assert(r:wait() == "stopped") end
        pool:close()
        pool:join()
        print(string.format("ticks %d worst %.3f during %d", ticks, worst, imagesWhileLocked))
        for i = 1, 5 do print("r" .. i .. " " .. (IMAGES["r" .. i] or 0)) end
        """

    func testALockedDatabaseDoesNotStallTimersAndTheWritesLandAfterwards() throws {
        try XCTSkipIf(Self.executable("python3") == nil, "python3 is not installed (it holds the lock)")
        let sqlite = try XCTUnwrap(Self.executable("sqlite3"), "sqlite3 is installed by tools/setup.sh")
        let folder = NSTemporaryDirectory() + "rscript-blocked-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/plugins/backgroundrenderers", withIntermediateDirectories: true)
        try "scene".write(toFile: folder + "/scene.txt", atomically: true, encoding: .utf8)
        try Self.writerPlugin.write(toFile: folder + "/plugins/backgroundrenderers/writer.lua", atomically: true, encoding: .utf8)
        try Self.main.write(toFile: folder + "/main.lua", atomically: true, encoding: .utf8)
        try LockingScripts.module.write(toFile: folder + "/locking.lua", atomically: true, encoding: .utf8)
        try "return function(client, x) return x * x end".write(toFile: folder + "/square.lua", atomically: true, encoding: .utf8)
        let database = folder + "/gallery.db"
        let result = try RScriptBinary.run(
            ["run", "main.lua"],
            environment: ["RSCRIPT_DB": database, "RSCRIPT_PLUGIN_PATH": folder + "/plugins:&", "XDG_CONFIG_HOME": folder + "/config"],
            directory: folder, timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "no write failed")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        guard lines.count == 6, lines[0].count == 6 else { return XCTFail(result.stdout) }
        let ticks = Int(lines[0][1]) ?? 0
        let worst = Double(lines[0][3]) ?? 99
        let whileLocked = Int(lines[0][5]) ?? 0
        XCTAssertGreaterThan(ticks, 30, "the ticker ran through the 1.5 s lock: \(result.stdout)")
        XCTAssertLessThan(worst, 0.5, "no timer waited for the 1.5 s lock: \(result.stdout)")
        XCTAssertGreaterThan(whileLocked, 40, "the renders kept polling (and writing) while locked: \(result.stdout)")

        // Every write landed: each render's image count, its end, and the pool's tasks.
        let store = try GalleryStore(path: database, readOnly: true)
        let renders = try store.list(fullImageHistory: true)
        XCTAssertEqual(renders.count, 5)
        var expected: [String: Int] = [:]
        for line in lines.dropFirst() where line.count == 2 { expected[line[0]] = Int(line[1]) }
        for render in renders {
            XCTAssertEqual(render.state, .stopped)
            let tag = "r\(render.id)"  // started in this order, in a fresh database
            let count = try XCTUnwrap(expected[tag], result.stdout)
            XCTAssertEqual(render.imagePaths.map(\.path), (0..<count).map { "\(tag)/\($0 + 1)" },
                           "render \(tag): every image recorded, in order")
        }
        let query = Process()
        query.executableURL = URL(fileURLWithPath: sqlite)
        query.arguments = [database, "SELECT state FROM pool_tasks ORDER BY id"]
        let out = Pipe()
        query.standardOutput = out
        try query.run()
        let states = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        query.waitUntilExit()
        XCTAssertEqual(states, "finished\nfinished\nfinished\n", "the pool's tasks, recorded while locked, landed")
    }

    /// `rscript render --frames`: the chunks render and the render ends while another process
    /// holds the lock; rscript then waits for its records, which land after COMMIT exactly as
    /// an unlocked render's do.
    func testAChunkedFrameRenderDoesNotWaitForALockedDatabaseAndItsRecordsLandAfterwards() throws {
        let folder = try Self.frameFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = folder + "/gallery.db"
        _ = try FrameStore(path: database)  // the gallery's database, with its tables
        // Another process takes the write lock and keeps it until told to commit.
        let locker = try SQLiteWriteLock(database)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        process.arguments = Self.shellFrames(folder, database: database)
        process.environment = ProcessInfo.processInfo.environment.merging(Self.frameEnvironment(folder)) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let started = Date()
        try process.run()
        // Every chunk renders and the render ends while the lock is held: the loop waited for
        // nothing (the open used to wait the 5 s busy timeout, then fail the render).
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Self.events(text, "end").isEmpty && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let ended = Date().timeIntervalSince(started)
        XCTAssertTrue(locker.isHeld, "the lock was held all along")
        XCTAssertEqual(Self.events(text, "frameDone").compactMap { $0["frame"] as? Int }.sorted(), Array(1...6), text)
        XCTAssertEqual(Self.events(text, "end").first?["state"] as? String, "finished", text)
        usleep(300_000)
        XCTAssertTrue(process.isRunning, "rscript waits for its records before exiting")

        // Once the lock is gone, the records land and rscript exits.
        try locker.commit()
        let exitDeadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < exitDeadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertFalse(stderr.contains("cannot record"), stderr)

        // The rows are those of an unlocked render of the same frames.
        let renders = "SELECT label, spec, pattern, workers, frames, skipped, rendered, notRendered, state FROM frame_renders"
        let chunks = """
            SELECT first, last, step, attempt, state, worker IS NOT NULL, pid IS NOT NULL, logPath IS NOT NULL, framesDone,
                   reason, startedAt <= endedAt FROM frame_chunks ORDER BY id
            """
        let locked = try Self.rows(database, renders) + Self.rows(database, chunks)
        XCTAssertEqual(locked, ["Shell|1-6|\(folder)/out/scene_####|2|6|0|6|nil|finished",
                                "1|2|1|1|done|1|1|1|2|nil|1", "3|4|1|1|done|1|1|1|2|nil|1", "5|6|1|1|done|1|1|1|2|nil|1"])
        let pids = try Self.rows(database, "SELECT pid FROM frame_chunks ORDER BY first")
        XCTAssertEqual(pids, Self.events(text, "chunkStart").sorted { "\($0["chunk"]!)" < "\($1["chunk"]!)" }
            .map { "\($0["pid"] as? Int ?? 0)" }, "each chunk's renderer")
        let free = folder + "/free.db"
        let unlockedStart = Date()
        let again = try RScriptBinary.run(Self.shellFrames(folder, database: free) + ["--no-skip"],
                                          environment: Self.frameEnvironment(folder), directory: folder, timeout: 60)
        XCTAssertEqual(again.status, 0, again.stderr)
        print(String(format: "frames 1-6: ended %.2f s after the start with the database locked, %.2f s unlocked",
                     ended, Date().timeIntervalSince(unlockedStart)))
        XCTAssertEqual(try Self.rows(free, renders) + Self.rows(free, chunks), locked)
    }

    func testAChunkedFrameRenderRefusesAFolderOrAnotherProgramsFileBeforeItStarts() throws {
        let folder = try Self.frameFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "not a database, and longer than the hundred bytes of a header: \(String(repeating: "x", count: 100))"
            .write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/records", withIntermediateDirectories: true)
        for (path, message) in [(folder + "/records", "is a folder, not an rscript database"),
                                (folder + "/notes.txt", "is not an rscript gallery database")] {
            let result = try RScriptBinary.run(Self.shellFrames(folder, database: path), environment: Self.frameEnvironment(folder),
                                               directory: folder, timeout: 60)
            XCTAssertEqual(result.status, 1, result.stdout)
            XCTAssertTrue(result.stderr.contains("rscript: \(path) \(message)"), result.stderr)
            XCTAssertFalse(result.stdout.contains("chunkStart"), "nothing started: \(result.stdout)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out/scene_0001.png"), "no frame rendered")
        }
    }

    /// A folder with `FrameRenderTests`' Shell renderer (it copies a PNG per frame) and a scene.
    static func frameFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "rscript-blocked-frames-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/plugins/backgroundrenderers", withIntermediateDirectories: true)
        try "scene".write(toFile: folder + "/scene.txt", atomically: true, encoding: .utf8)
        try FrameRenderTests.png.write(to: URL(fileURLWithPath: folder + "/fixture.png"))
        try FrameRenderTests.testPlugin.write(toFile: folder + "/plugins/backgroundrenderers/frametest.lua", atomically: true, encoding: .utf8)
        return folder
    }

    static func frameEnvironment(_ folder: String) -> [String: String] {
        ["RSCRIPT_PLUGIN_PATH": folder + "/plugins:&", "XDG_CONFIG_HOME": folder + "/config", "TMPDIR": folder]
    }

    /// Frames 1-6 in chunks of 2 on 2 workers, recorded in `database`, as `--json` events.
    static func shellFrames(_ folder: String, database: String) -> [String] {
        ["render", "scene.txt", "--renderer", "Shell", "--frames", "1-6", "--workers", "2", "--chunk", "2", "--output", "out",
         "--json", "--db", database, "--option", "png=\(folder)/fixture.png"]
    }

    static func events(_ stdout: String, _ name: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == name }
    }

    /// Each row of `sql` as its columns joined by `|` (NULL as `nil`).
    static func rows(_ database: String, _ sql: String) throws -> [String] {
        try DatabaseQueue(path: database).read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                row.databaseValues.map { value -> String in
                    switch value.storage {
                    case .null: "nil"
                    case .int64(let n): "\(n)"
                    case .double(let d): "\(d)"
                    case .string(let text): text
                    case .blob(let data): "\(data.count) bytes"
                    }
                }.joined(separator: "|")
            }
        }
    }

    /// The program's path in PATH, if any.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
