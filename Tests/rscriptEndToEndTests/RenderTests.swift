import Foundation
import RScriptTesting
import XCTest

/// Background renders through the real binary, with small test plugins: the scheduler, stops,
/// failures, timeouts, discovery and the gallery records.
final class RenderTests: XCTestCase {
    var folder = ""
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-render-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/plugins/backgroundrenderers", withIntermediateDirectories: true)
        try "scene".write(toFile: folder + "/scene.txt", atomically: true, encoding: .utf8)
        try Self.testPlugin.write(toFile: folder + "/plugins/backgroundrenderers/test.lua", atomically: true, encoding: .utf8)
        environment = ["RSCRIPT_DB": folder + "/gallery.db", "RSCRIPT_PLUGIN_PATH": folder + "/plugins:&", "XDG_CONFIG_HOME": folder + "/config"]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// "Sleep": a process that sleeps `seconds` then writes the image. "Broken": raises in
    /// isRenderFinished. "Crash": its process kills itself with SIGKILL after printing.
    static let testPlugin = """
        local BackgroundRenderer = require("rscript.backgroundrenderer")
        local process = require("rscript.process")

        local Sleep = BackgroundRenderer:extend("SleepRender")
        function Sleep:pollFrequency() return tonumber(self.poll or 5) end
        function Sleep:getConfigOptions(old) old.seen = true return old end
        function Sleep:startBackgroundRender(scene, options)
          assert(options.plugin.seen, "getConfigOptions result reaches options.plugin")
          self.poll = options.plugin.poll
          self.image = self.workDir .. "/image.txt"
          self.proc = process.spawn{ "sh", "-c", "sleep " .. (options.plugin.seconds or 0.3) .. "; echo done > " .. self.image }
          self.clicks = 0
        end
        function Sleep:isRenderFinished()
          if self.proc:poll() ~= nil then
            self:updateMetadata{ percentDone = 100, clicks = self.clicks }
            self:updateImagePath(self.image)
            return true
          end
          self:updateMetadata{ percentDone = 50 }
          return false
        end
        function Sleep:mouseClick(x, y) self.clicks = self.clicks + 1 end
        function Sleep:stopBackgroundRender() self.proc:terminate(1) end

        local Broken = BackgroundRenderer:extend("BrokenRender")
        function Broken:startBackgroundRender() end
        function Broken:isRenderFinished() local t = nil; return t.field end

        local Crash = BackgroundRenderer:extend("CrashRender")
        function Crash:pollFrequency() return 10 end
        function Crash:startBackgroundRender()
          self.proc = process.spawn{ "sh", "-c", "for i in $(seq 1 30); do echo line $i; done; kill -9 $$" }
        end
        function Crash:isRenderFinished() return self.proc:poll() ~= nil end

        function registerBackgroundRenderers(manager)
          manager:registerBackgroundRenderer("Sleep", Sleep)
          manager:registerBackgroundRenderer("Broken", Broken)
          manager:registerBackgroundRenderer("Crash", Crash)
        end
        """

    private func rscript(_ arguments: [String], timeout: Double = 60) throws -> RScriptBinary.Result {
        try RScriptBinary.run(arguments, environment: environment, directory: folder, timeout: timeout)
    }

    func testRenderFinishesAndIsRecordedInTheGallery() throws {
        let result = try rscript(["render", "scene.txt", "--renderer", "Sleep", "--json", "--res", "64x48"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(events.first?["event"] as? String, "start")
        let end = try XCTUnwrap(events.last)
        XCTAssertEqual(end["state"] as? String, "finished")
        let metadata = try XCTUnwrap(end["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["percentDone"] as? Int, 100)
        XCTAssertNotNil(metadata["totalClockTime"], "the runtime fills totalClockTime")
        let images = try XCTUnwrap(end["images"] as? [String])
        XCTAssertEqual(images.count, 1)
        XCTAssertEqual(try String(contentsOfFile: images[0], encoding: .utf8), "done\n")
        let show = try rscript(["gallery", "show", String(end["id"] as! Int), "--json"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("\"finished\""), show.stdout)
    }

    func testProcessExitWakesTheRenderLongBeforeItsPollPeriod() throws {
        // pollFrequency 5 s, the process ends after 0.3 s: the render must end well before 5 s.
        let started = Date()
        let result = try rscript(["render", "scene.txt", "--renderer", "Sleep", "--option", "poll=5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testManyRendersAtOnceAndOneFailingLeavesTheOthers() throws {
        let script = """
            local gallery = require("rscript.gallery")
            local renders = {}
            for i = 1, 5 do
              renders[i] = gallery.startRender{ renderer = "Sleep", scene = "scene.txt", options = { seconds = 0.2 + i * 0.05, poll = 0.1 } }
            end
            local broken = gallery.startRender{ renderer = "Broken", scene = "scene.txt" }
            assert(broken:wait() == "failed")
            assert(broken:error():find("attempt to index a nil value"), broken:error())
            assert(broken:error():find("stack traceback"), "the failure keeps the traceback")
            for i, r in ipairs(renders) do
              assert(r:wait() == "finished", r:error())
              assert(r:metadata().percentDone == 100)
              assert(r:imagePath():find("image.txt$"))
            end
            local ids = {}
            for i, r in ipairs(renders) do ids[r.id] = true end
            local n = 0 for _ in pairs(ids) do n = n + 1 end
            assert(n == 5, "each render has its own itemId")
            print("ok")
            """
        let path = folder + "/many.lua"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try rscript(["run", "many.lua"])
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
        XCTAssertEqual(result.status, 0)
    }

    func testStopCallsStopBackgroundRenderAndClicksReachThePlugin() throws {
        let script = """
            local gallery, time = require("rscript.gallery"), require("rscript.time")
            local r = gallery.startRender{ renderer = "Sleep", scene = "scene.txt", options = { seconds = 30, poll = 0.05 } }
            time.sleep(0.2)
            r:mouseClick(0.5, 0.25)
            time.sleep(0.2)
            local t0 = time.monotonic()
            r:stop()
            assert(r:wait() == "stopped")
            assert(time.monotonic() - t0 < 3, "stop is prompt")
            local ok = pcall(r.mouseClick, r, 2, 0)
            assert(not ok, "coordinates are normalized")
            print("ok")
            """
        try script.write(toFile: folder + "/stop.lua", atomically: true, encoding: .utf8)
        let result = try rscript(["run", "stop.lua"])
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
    }

    func testTimeoutFailsTheRender() throws {
        let result = try rscript(["render", "scene.txt", "--renderer", "Sleep", "--option", "seconds=30", "--timeout", "0.5"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("timed out after 0.5 s"), result.stderr)
    }

    func testRendererKilledBySignalFailsWithTheSignalAndLastLogLines() throws {
        let result = try rscript(["render", "scene.txt", "--renderer", "Crash"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("killed by SIGKILL"), result.stderr)
        XCTAssertTrue(result.stderr.contains("line 30"), result.stderr)
        XCTAssertTrue(result.stderr.contains("line 11"), result.stderr)
        XCTAssertFalse(result.stderr.contains("line 10\n"), "only the last 20 lines: \(result.stderr)")
    }

    func testBadInput() throws {
        let unknown = try rscript(["render", "scene.txt", "--renderer", "Nope"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("unknown renderer 'Nope'"), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("'Sleep'"), "the error lists the known renderers: \(unknown.stderr)")
        let missing = try rscript(["render", "missing.txt", "--renderer", "Sleep"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("scene file not found: missing.txt"), missing.stderr)
        let badRes = try rscript(["render", "scene.txt", "--renderer", "Sleep", "--res", "big"])
        XCTAssertNotEqual(badRes.status, 0)
        XCTAssertTrue(badRes.stderr.contains("--res must look like"), badRes.stderr)
    }

    func testDiscoveryOverridesAndReportsBrokenFiles() throws {
        let early = folder + "/early/backgroundrenderers"
        try FileManager.default.createDirectory(atPath: early, withIntermediateDirectories: true)
        // same file name as the later one: overrides it
        try """
            local B = require("rscript.backgroundrenderer")
            local Only = B:extend("OnlyRender")
            function Only:startBackgroundRender() end
            function Only:isRenderFinished() return true end
            function registerBackgroundRenderers(m) m:registerBackgroundRenderer("Only", Only) end
            """.write(toFile: early + "/test.lua", atomically: true, encoding: .utf8)
        try "local x = = 1".write(toFile: early + "/broken.lua", atomically: true, encoding: .utf8)
        try """
            local B = require("rscript.backgroundrenderer")
            local NoStart = B:extend("NoStart")
            function NoStart:isRenderFinished() return true end
            function registerBackgroundRenderers(m) m:registerBackgroundRenderer("NoStart", NoStart) end
            """.write(toFile: early + "/nostart.lua", atomically: true, encoding: .utf8)
        var env = environment
        env["RSCRIPT_PLUGIN_PATH"] = folder + "/early:" + folder + "/plugins:&"
        let list = try RScriptBinary.run(["renderers", "--json"], environment: env)
        XCTAssertEqual(list.status, 0, list.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let labels = (json["renderers"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        XCTAssertTrue(labels.contains("Only"))
        XCTAssertFalse(labels.contains("Sleep"), "the earlier test.lua overrides the later one")
        XCTAssertTrue(labels.contains("POV-Ray"), "shipped plugins are found too: \(labels)")
        let errors = (json["errors"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(errors.contains("broken.lua:1:"), errors)
        XCTAssertTrue(errors.contains("NoStart") && errors.contains("startBackgroundRender"), errors)
    }

    /// `RSCRIPT_PLUGIN_PATH` without `&` is the whole search path: the shipped plugins and the
    /// config folder are left out; with `&` they come where it stands.
    func testPluginPathWithoutAmpersandLeavesTheDefaultsOut() throws {
        func labels(_ pluginPath: String) throws -> [String] {
            var env = environment
            env["RSCRIPT_PLUGIN_PATH"] = pluginPath
            let list = try RScriptBinary.run(["renderers", "--json"], environment: env)
            XCTAssertEqual(list.status, 0, list.stderr)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
            return (json["renderers"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        }
        let alone = try labels(folder + "/plugins")
        XCTAssertTrue(alone.contains("Sleep"), "the path's own plugins: \(alone)")
        XCTAssertFalse(alone.contains("POV-Ray"), "no &: the shipped plugins are left out: \(alone)")
        let withDefaults = try labels(folder + "/plugins:&")
        XCTAssertTrue(withDefaults.contains("Sleep") && withDefaults.contains("POV-Ray"), "\(withDefaults)")
        let text = try RScriptBinary.run(["renderers"], environment: environment.merging(["RSCRIPT_PLUGIN_PATH": "&"]) { $1 })
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("POV-Ray"), "& alone: the defaults: \(text.stdout)")
        XCTAssertFalse(text.stdout.contains("Sleep"), "& alone: not the test folder: \(text.stdout)")
    }

    func testRunAPluginScriptRendersTheScene() throws {
        let plugin = folder + "/plugins/backgroundrenderers/test.lua"
        let result = try rscript(["run", plugin, "scene.txt", "--renderer", "Sleep", "--option", "seconds=0.1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("finished"), result.stdout)
        let several = try rscript(["run", plugin, "scene.txt"])
        XCTAssertEqual(several.status, 2)
        XCTAssertTrue(several.stderr.contains("pick one with --renderer"), several.stderr)
        // The flags after the scene are `rscript render`'s, parsed the same way
        for (flags, expected) in [(["--res", "big"], "--res must look like 640x480, got 'big'"),
                                  (["--timeout"], "Missing value for '--timeout <S>'"),
                                  (["--frobnicate"], "Unknown option '--frobnicate'")] {
            let bad = try rscript(["run", plugin, "scene.txt", "--renderer", "Sleep"] + flags)
            XCTAssertEqual(bad.status, 2, bad.stderr)
            XCTAssertTrue(bad.stderr.contains(expected), bad.stderr)
            XCTAssertTrue(bad.stderr.contains("usage: rscript run \(plugin) SCENE"), bad.stderr)
        }
    }

    func testCtrlCStopsTheRenderThroughItsPlugin() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        process.arguments = ["render", "scene.txt", "--renderer", "Sleep", "--option", "seconds=60", "--json"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        var seen = ""
        while !seen.contains("\"start\"") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        usleep(200_000)
        kill(process.processIdentifier, SIGINT)
        seen += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        XCTAssertTrue(seen.contains("\"state\":\"stopped\""), seen)
    }
}
