import Foundation
import RScriptTesting
import XCTest

/// `rscript render SCENE --frames SPEC --workers N ...` end to end through the real binary:
/// POV-Ray and Blender rendering frame ranges, skip/resume, --no-skip, retries of failed and
/// stalled chunks, Ctrl-C, and bad input. A test whose renderer is not installed is skipped.
final class FrameRenderTests: XCTestCase {
    static let scenes = RScriptBinary.repositoryRoot + "/scripts/examples/scenes"
    var folder = ""
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-frames-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/plugins/backgroundrenderers", withIntermediateDirectories: true)
        try "scene".write(toFile: folder + "/scene.txt", atomically: true, encoding: .utf8)
        try Self.png.write(to: URL(fileURLWithPath: folder + "/fixture.png"))
        try Self.testPlugin.write(toFile: folder + "/plugins/backgroundrenderers/frametest.lua", atomically: true, encoding: .utf8)
        environment = [
            "RSCRIPT_DB": folder + "/gallery.db", "RSCRIPT_PLUGIN_PATH": folder + "/plugins:&",
            "XDG_CONFIG_HOME": folder + "/config", "TMPDIR": folder,
        ]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A 1x1 PNG.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!

    /// "Shell" renders a chunk with a shell script that copies fixture.png to each frame's path
    /// and prints `frame N start` / `frame N saved`. Its `mode` option: ok; fail-once (the first
    /// attempt dies at frame `at`); fail (every attempt dies at the first frame); stall-once (the
    /// first attempt sleeps silently); stall. "NoChunks" has no chunk methods.
    static let testPlugin = """
        local BackgroundRenderer = require("rscript.backgroundrenderer")

        local Shell = BackgroundRenderer:extend("ShellFrames")
        function Shell:startBackgroundRender() end
        function Shell:isRenderFinished() return true end
        function Shell:chunkStartupSeconds() return 0 end

        local function q(s) return "'" .. tostring(s):gsub("'", "'\\\\''") .. "'" end

        -- out_0001.png: the default naming, written out (a plugin may name its images as it likes)
        function Shell:framePath(output, frame)
          return (output:gsub("#+", function(h) return string.format("%0" .. #h .. "d", frame) end, 1)) .. ".png"
        end

        function Shell:chunkCommand(scene, chunk, output, options)
          local o = options.plugin
          local mode = o.mode or "ok"
          local marker = q(o.marker or (self.workDir .. "/../marker"))
          local lines = { "set -e" }
          if mode == "stall" then lines[#lines + 1] = "exec sleep 30" end
          if mode == "stall-once" then
            lines[#lines + 1] = "if [ ! -e " .. marker .. " ]; then touch " .. marker .. "; exec sleep 30; fi"
          end
          for _, f in ipairs(chunk.frames) do
            if mode == "fail" then
              lines[#lines + 1] = "echo 'boom: cannot render frame " .. f .. "' >&2; exit 3"
              break
            end
            if mode == "fail-once" and f == tonumber(o.at) then
              lines[#lines + 1] = "if [ ! -e " .. marker .. " ]; then touch " .. marker .. "; echo 'boom at frame " .. f .. "' >&2; exit 3; fi"
            end
            lines[#lines + 1] = "echo frame " .. f .. " start"
            lines[#lines + 1] = "cp " .. q(o.png) .. " " .. q(self:framePath(output, f))
            lines[#lines + 1] = "echo frame " .. f .. " saved"
          end
          return { "sh", "-c", table.concat(lines, "\\n") }
        end

        function Shell:parseChunkProgress(line)
          local f = line:match("^frame (%d+) start")
          if f then return { frame = tonumber(f), percent = 0 } end
          f = line:match("^frame (%d+) saved")
          if f then return { frame = tonumber(f), done = true } end
          if line:find("^boom") then return { error = line } end
        end

        local NoChunks = BackgroundRenderer:extend("NoChunks")
        function NoChunks:startBackgroundRender() end
        function NoChunks:isRenderFinished() return true end

        function registerBackgroundRenderers(manager)
          manager:registerBackgroundRenderer("Shell", Shell)
          manager:registerBackgroundRenderer("NoChunks", NoChunks)
        end
        """

    // MARK: - helpers

    private func rscript(_ arguments: [String], timeout: Double = 60) throws -> RScriptBinary.Result {
        try RScriptBinary.run(arguments, environment: environment, directory: folder, timeout: timeout)
    }

    private func events(_ result: RScriptBinary.Result, _ name: String) -> [[String: Any]] {
        events(result.stdout, name)
    }

    private func events(_ stdout: String, _ name: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == name }
    }

    private func require(_ tool: String) throws {
        let found = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        try XCTSkipIf(!found, "\(tool) is not installed (tools/setup.sh installs it)")
    }

    /// Width and height from a PNG's IHDR, or nil when the file is not a whole PNG.
    private func pngSize(_ path: String) -> (Int, Int)? {
        guard let data = FileManager.default.contents(atPath: path), data.count > 33,
              data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
              data.suffix(8).prefix(4) == Data("IEND".utf8) else { return nil }
        func be32(_ i: Int) -> Int { data[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    private func shell(_ extra: [String], frames: String = "1-6") -> [String] {
        ["render", "scene.txt", "--renderer", "Shell", "--frames", frames, "--output", "out", "--json",
         "--option", "png=\(folder)/fixture.png", "--option", "marker=\(folder)/marker"] + extra
    }

    // MARK: - POV-Ray

    func testPOVRayRendersAnAnimationInChunksThenSkipsThenResumesThenForces() throws {
        try require("povray")
        let scene = Self.scenes + "/orbit.pov"
        let args = ["render", scene, "--renderer", "POV-Ray", "--frames", "1-6", "--workers", "2", "--chunk", "2",
                    "--res", "64x48", "--output", "out", "--json"]
        let first = try rscript(args)
        XCTAssertEqual(first.status, 0, first.stderr + first.stdout)
        let plan = try XCTUnwrap(events(first, "plan").first)
        XCTAssertEqual(plan["chunks"] as? [String], ["1-2", "3-4", "5-6"])
        let starts = events(first, "chunkStart")
        XCTAssertEqual(starts.count, 3)
        XCTAssertEqual(Set(starts.compactMap { $0["worker"] as? Int }), [1, 2], "both workers render")
        XCTAssertEqual(Set(events(first, "frameDone").compactMap { $0["frame"] as? Int }), Set(1...6))
        var images: [Data] = []
        for frame in 1...6 {
            let path = folder + "/out/orbit_000\(frame).png"
            XCTAssertEqual(pngSize(path).map { [$0.0, $0.1] }, [64, 48], "frame \(frame) is a whole 64x48 PNG")
            images.append(FileManager.default.contents(atPath: path) ?? Data())
        }
        XCTAssertNotEqual(images[0], images[3], "the animation moves")
        let logs = try FileManager.default.contentsOfDirectory(atPath: folder + "/out/logs").sorted()
        XCTAssertEqual(logs, ["chunk-0001-0002.log", "chunk-0003-0004.log", "chunk-0005-0006.log"])
        let log = try String(contentsOfFile: folder + "/out/logs/chunk-0003-0004.log", encoding: .utf8)
        XCTAssertTrue(log.contains("+SF3") && log.contains("+EF4") && log.contains("+KFI1") && log.contains("+KFF6"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out/.rscript-chunks"), "scratch folders are removed")

        // Again: every frame is there and whole, nothing runs.
        let started = Date()
        let again = try rscript(Array(args.dropLast()))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("all 6 frames of 1-6 are already rendered"), again.stdout)
        XCTAssertTrue(again.stdout.contains("skipped"), again.stdout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)

        // A missing frame and one cut short are rendered again, and only they.
        try FileManager.default.removeItem(atPath: folder + "/out/orbit_0003.png")
        let cut = images[4].prefix(images[4].count / 2)
        try cut.write(to: URL(fileURLWithPath: folder + "/out/orbit_0005.png"))
        let resume = try rscript(args)
        XCTAssertEqual(resume.status, 0, resume.stderr)
        XCTAssertEqual(events(resume, "plan").first?["skipped"] as? [Int], [1, 2, 4, 6])
        XCTAssertEqual(events(resume, "frameDone").compactMap { $0["frame"] as? Int }.sorted(), [3, 5])
        XCTAssertEqual(events(resume, "end").first?["skipped"] as? Int, 4)
        XCTAssertNotNil(pngSize(folder + "/out/orbit_0005.png"))

        // --no-skip renders them all.
        let forced = try rscript(args + ["--no-skip"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(events(forced, "frameDone").count, 6)
        XCTAssertEqual(events(forced, "end").first?["skipped"] as? Int, 0)
    }

    func testPOVRayStepChunkAndPlainOutput() throws {
        try require("povray")
        let result = try rscript(["render", Self.scenes + "/orbit.pov", "--renderer", "POV-Ray", "--frames", "2-8x3",
                                  "--workers", "1", "--chunk", "3", "--res", "32x24", "--output", "steps/shot_##"])
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        for frame in ["02", "05", "08"] {
            XCTAssertNotNil(pngSize(folder + "/steps/shot_\(frame).png"), "frame \(frame)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/steps/shot_03.png"))
        XCTAssertTrue(result.stdout.contains("rendering 3 frames of 2-8x3 with POV-Ray in 1 chunk"), result.stdout)
        XCTAssertTrue(result.stdout.contains("frame 8 done"), result.stdout)
        XCTAssertTrue(result.stdout.contains("finished: 3 frames rendered"), result.stdout)
        let log = try String(contentsOfFile: folder + "/steps/logs/chunk-0002-0008x3.log", encoding: .utf8)
        XCTAssertTrue(log.contains("Frame_Step=3"), log)
    }

    // MARK: - Blender

    func testBlenderRendersTwoFramesOfATinyBlend() throws {
        try require("blender")
        let blend = folder + "/tiny.blend"
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        make.arguments = ["blender", "-b", "--factory-startup", "--python", Self.scenes + "/make_blend.py", "--", blend, "--samples", "2"]
        make.standardOutput = FileHandle.nullDevice
        make.standardError = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        XCTAssertEqual(make.terminationStatus, 0, "make_blend.py")
        let result = try rscript(["render", blend, "--renderer", "Blender", "--frames", "1-2", "--workers", "1",
                                  "--res", "64x64", "--option", "samples=2", "--output", "bl", "--json"], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        XCTAssertEqual(events(result, "chunkStart").count, 1, "one blender process renders both frames")
        XCTAssertEqual(events(result, "frameDone").compactMap { $0["frame"] as? Int }, [1, 2])
        for frame in 1...2 {
            XCTAssertEqual(pngSize(folder + "/bl/tiny_000\(frame).png").map { [$0.0, $0.1] }, [64, 64], "frame \(frame)")
        }
    }

    // MARK: - Failures

    func testAFailedChunkIsRetriedForItsMissingFramesOnly() throws {
        let result = try rscript(shell(["--workers", "2", "--chunk", "3", "--option", "mode=fail-once", "--option", "at=5"]))
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        let failed = try XCTUnwrap(events(result, "chunkFailed").first)
        XCTAssertEqual(failed["chunk"] as? String, "4-6")
        XCTAssertEqual(failed["frames"] as? [Int], [5, 6], "frame 4 was rendered before the failure")
        XCTAssertEqual(failed["retry"] as? Bool, true)
        XCTAssertTrue((failed["reason"] as? String ?? "").contains("sh exited with status 3: boom at frame 5"), "\(failed)")
        let retry = try XCTUnwrap(events(result, "chunkStart").last)
        XCTAssertEqual(retry["chunk"] as? String, "5-6")
        XCTAssertEqual(retry["attempt"] as? Int, 2)
        XCTAssertEqual(events(result, "end").first?["state"] as? String, "finished")
        let log = try String(contentsOfFile: folder + "/out/logs/chunk-0004-0006.log", encoding: .utf8)
        XCTAssertTrue(log.contains("boom at frame 5") && log.contains("attempt 1 failed"), log)
        // The chunks are in the gallery's database.
        let sqlite = "/usr/bin/sqlite3"
        try XCTSkipIf(!FileManager.default.isExecutableFile(atPath: sqlite), "sqlite3 is not installed")
        let query = Process()
        query.executableURL = URL(fileURLWithPath: sqlite)
        query.arguments = [folder + "/gallery.db",
                           "SELECT first, last, attempt, state, framesDone FROM frame_chunks ORDER BY id; SELECT state, rendered FROM frame_renders"]
        let pipe = Pipe()
        query.standardOutput = pipe
        try query.run()
        let rows = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        query.waitUntilExit()
        XCTAssertEqual(rows, "1|3|1|done|3\n4|6|1|retried|1\n5|6|2|done|2\nfinished|6\n")
    }

    func testAChunkThatKeepsFailingIsReportedWithItsFrames() throws {
        let result = try rscript(shell(["--workers", "2", "--chunk", "3", "--retries", "1", "--option", "mode=fail"], frames: "1-3"))
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(events(result, "chunkStart").count, 2, "one try and one retry")
        let end = try XCTUnwrap(events(result, "end").first)
        XCTAssertEqual(end["state"] as? String, "failed")
        XCTAssertEqual(end["failed"] as? [Int], [1, 2, 3])
        XCTAssertTrue(result.stderr.contains("frames not rendered: 1-3"), result.stderr)
        XCTAssertTrue(result.stderr.contains("boom: cannot render frame 1"), result.stderr)
        XCTAssertTrue(result.stderr.contains("chunk-0001-0003.log"), result.stderr)
    }

    func testAStalledRendererIsKilledAndItsChunkRetried() throws {
        let started = Date()
        let result = try rscript(shell(["--workers", "1", "--stall", "0.5", "--option", "mode=stall-once"], frames: "1-2"))
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "the sleeping renderer did not get its 30 s")
        let failed = try XCTUnwrap(events(result, "chunkFailed").first)
        XCTAssertTrue((failed["reason"] as? String ?? "").contains("printed nothing for 0.5 s: killed"), "\(failed)")
        XCTAssertEqual(failed["retry"] as? Bool, true)
        let pid = try XCTUnwrap(events(result, "chunkStart").first?["pid"] as? Int)
        XCTAssertNotEqual(kill(pid_t(pid), 0), 0, "the stalled renderer is gone")
        XCTAssertNotNil(pngSize(folder + "/out/scene_0002.png"))
    }

    func testCtrlCStopsEveryRendererAndExits130() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        process.arguments = shell(["--workers", "2", "--chunk", "1", "--option", "mode=stall"], frames: "1-4")
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for both workers to start their renderer.
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while text.components(separatedBy: "\"chunkStart\"").count < 3 && Date() < deadline {
            text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        let stopDeadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < stopDeadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130)
        let pids = events(text, "chunkStart").compactMap { $0["pid"] as? Int }
        XCTAssertEqual(pids.count, 2)
        for pid in pids { XCTAssertNotEqual(kill(pid_t(pid), 0), 0, "renderer \(pid) is gone") }
        XCTAssertEqual(events(text, "end").first?["state"] as? String, "interrupted")
        XCTAssertEqual(events(text, "end").first?["notRendered"] as? [Int], [1, 2, 3, 4])
        // Its records landed before rscript exited: every chunk, run or queued, is interrupted.
        let query = Process()
        query.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        query.arguments = [folder + "/gallery.db",
                           "SELECT first, state FROM frame_chunks ORDER BY first; SELECT state, rendered, notRendered FROM frame_renders"]
        let pipe = Pipe()
        query.standardOutput = pipe
        try query.run()
        let rows = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        query.waitUntilExit()
        XCTAssertEqual(rows, "1|interrupted\n2|interrupted\n3|interrupted\n4|interrupted\ninterrupted|0|1-4\n")
    }

    // MARK: - Bad input

    func testBadFrameSpecsAndWorkersAreRefusedBeforeAnythingStarts() throws {
        for (spec, message) in [("10-1", "'10-1' runs backwards"), ("a-b", "'a-b' is not a frame or a range"),
                                ("1-10x0", "the step must be 1 or more, got 0"), ("", "the frame list is empty")] {
            let result = try rscript(shell([], frames: spec))
            XCTAssertNotEqual(result.status, 0, spec)
            XCTAssertTrue(result.stderr.contains(message), "\(spec): \(result.stderr)")
            XCTAssertFalse(result.stdout.contains("chunkStart"), spec)
        }
        let workers = try rscript(shell(["--workers", "0"]))
        XCTAssertNotEqual(workers.status, 0)
        XCTAssertTrue(workers.stderr.contains("--workers must be 1 or more, got 0"), workers.stderr)
        let chunk = try rscript(shell(["--chunk", "zero"]))
        XCTAssertTrue(chunk.stderr.contains("--chunk must be a number of frames"), chunk.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out"), "nothing was made")

        let alone = try rscript(["render", "scene.txt", "--renderer", "Shell", "--workers", "2"])
        XCTAssertTrue(alone.stderr.contains("--workers is for frame ranges: add --frames SPEC"), alone.stderr)
        let noChunks = try rscript(["render", "scene.txt", "--renderer", "NoChunks", "--frames", "1-3"])
        XCTAssertEqual(noChunks.status, 1)
        XCTAssertTrue(noChunks.stderr.contains("cannot render frame ranges: its class has no chunkCommand method"), noChunks.stderr)
        let unknown = try rscript(["render", "scene.txt", "--renderer", "Nope", "--frames", "1-3"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("unknown renderer 'Nope'") && unknown.stderr.contains("'Shell'"), unknown.stderr)
        let noProgram = try rscript(["render", Self.scenes + "/orbit.pov", "--renderer", "POV-Ray", "--frames", "1-3",
                                     "--option", "povray=/nonexistent/povray"])
        XCTAssertEqual(noProgram.status, 1)
        XCTAssertTrue(noProgram.stderr.contains("cannot run '/nonexistent/povray': no such executable"), noProgram.stderr)
        let badOption = try rscript(["render", Self.scenes + "/orbit.pov", "--renderer", "POV-Ray", "--frames", "1-3",
                                     "--option", "quality=99"])
        XCTAssertEqual(badOption.status, 1)
        XCTAssertTrue(badOption.stderr.contains("option quality=99 must be a number from 0 to 11"), badOption.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/frames"), "nothing was made")
        let missing = try rscript(["render", "missing.txt", "--renderer", "Shell", "--frames", "1-3"])
        XCTAssertTrue(missing.stderr.contains("scene file not found: missing.txt"), missing.stderr)
    }
}
