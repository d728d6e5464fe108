import Foundation
import RScriptTesting
@testable import RenderAutomation
import XCTest

/// The loop never waits for the database: with another process holding the gallery's write
/// lock, timers fire on time and renders and pool tasks keep going; what they recorded lands once
/// the lock is released.
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

    /// The program's path in PATH, if any.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
