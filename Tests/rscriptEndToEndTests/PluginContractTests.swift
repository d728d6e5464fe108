import Foundation
import RScriptTesting
import XCTest

/// What a ported Houdini plugin is promised (seed 000): `options.viewport.rendersettings_path`
/// and `self._lopnet_path`, for single renders and frame ranges; and values that cannot be
/// stored (options, metadata) are errors the user sees, never an empty table or a string.
final class PluginContractTests: XCTestCase {
    var folder = ""
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-contract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/plugins/backgroundrenderers", withIntermediateDirectories: true)
        try "scene".write(toFile: folder + "/scene.txt", atomically: true, encoding: .utf8)
        try Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!
            .write(to: URL(fileURLWithPath: folder + "/fixture.png"))
        try Self.plugin.write(toFile: folder + "/plugins/backgroundrenderers/probe.lua", atomically: true, encoding: .utf8)
        environment = ["RSCRIPT_DB": folder + "/gallery.db", "RSCRIPT_PLUGIN_PATH": folder + "/plugins:&",
                       "XDG_CONFIG_HOME": folder + "/config", "TMPDIR": folder]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// "Probe" records what it was given as metadata (`seen_*`), and tries metadata JSON cannot
    /// hold when its `bad` option is set, recording the error. "ProbeFrames" renders frame
    /// ranges and writes what it was given to `seen.txt`.
    static let plugin = """
        local BackgroundRenderer = require("rscript.backgroundrenderer")

        local Probe = BackgroundRenderer:extend("Probe")
        function Probe:startBackgroundRender(scene, options)
          local v = options.viewport
          self:updateMetadata{ seen_lopnet = self._lopnet_path, seen_scene = scene,
            seen_rendersettings = v.rendersettings_path, seen_camera = v.camera_path,
            seen_has_rendersettings = v.rendersettings_path ~= nil }
          if options.plugin.bad then
            local ok, err = pcall(self.updateMetadata, self, { ratio = 0/0 })
            self:updateMetadata{ bad_ok = ok, bad_error = tostring(err) }
          end
        end
        function Probe:isRenderFinished() return true end

        local Frames = BackgroundRenderer:extend("ProbeFrames")
        function Frames:startBackgroundRender() end
        function Frames:isRenderFinished() return true end
        function Frames:chunkStartupSeconds() return 0 end
        function Frames:framePath(output, frame)
          return (output:gsub("#+", function(h) return string.format("%0" .. #h .. "d", frame) end, 1)) .. ".png"
        end
        function Frames:chunkCommand(scene, chunk, output, options)
          local q = function(s) return "'" .. tostring(s):gsub("'", "'\\\\''") .. "'" end
          local dir = scene:match("^(.*)/[^/]*$") or "."
          local lines = { "set -e", "printf '%s|%s\\\\n' " .. q(self._lopnet_path) .. " "
            .. q(options.viewport.rendersettings_path) .. " >> " .. q(dir .. "/seen.txt") }
          for _, f in ipairs(chunk.frames) do
            lines[#lines + 1] = "cp " .. q(dir .. "/fixture.png") .. " " .. q(self:framePath(output, f))
          end
          return { "sh", "-c", table.concat(lines, "\\n") }
        end

        function registerBackgroundRenderers(manager)
          manager:registerBackgroundRenderer("Probe", Probe)
          manager:registerBackgroundRenderer("ProbeFrames", Frames)
        end
        """

    private func rscript(_ arguments: [String], timeout: Double = 60) throws -> RScriptBinary.Result {
        try RScriptBinary.run(arguments, environment: environment, directory: folder, timeout: timeout)
    }

    /// The metadata of the `end` event of `rscript render --json`.
    private func endMetadata(_ result: RScriptBinary.Result) throws -> [String: Any] {
        let events = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let end = try XCTUnwrap(events.last { $0["event"] as? String == "end" }, result.stdout + result.stderr)
        return try XCTUnwrap(end["metadata"] as? [String: Any])
    }

    func testRenderSettingsPathAndLopnetPathReachASingleRender() throws {
        let given = try rscript(["render", "scene.txt", "--renderer", "Probe", "--json",
                                 "--rendersettings", "/Render/rendersettings", "--camera", "/cameras/main"])
        XCTAssertEqual(given.status, 0, given.stderr)
        let metadata = try endMetadata(given)
        XCTAssertEqual(metadata["seen_rendersettings"] as? String, "/Render/rendersettings")
        XCTAssertEqual(metadata["seen_camera"] as? String, "/cameras/main")
        XCTAssertEqual(metadata["seen_lopnet"] as? String, "scene.txt", "_lopnet_path is the scene path")
        XCTAssertEqual(metadata["seen_scene"] as? String, "scene.txt")

        let none = try rscript(["render", "scene.txt", "--renderer", "Probe", "--json"])
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertEqual(try endMetadata(none)["seen_has_rendersettings"] as? Bool, false)
        XCTAssertEqual(try endMetadata(none)["seen_lopnet"] as? String, "scene.txt")

        // From Lua, under either name.
        try """
            local gallery = require("rscript.gallery")
            for _, key in ipairs{ "rendersettings", "rendersettings_path" } do
              local r = gallery.startRender{ renderer = "Probe", scene = "scene.txt", [key] = "/Render/" .. key }
              r:wait()
              print(r:metadata().seen_rendersettings, r:metadata().seen_lopnet)
            end
            """.write(toFile: folder + "/start.lua", atomically: true, encoding: .utf8)
        let lua = try rscript(["run", "start.lua"])
        XCTAssertEqual(lua.status, 0, lua.stderr)
        XCTAssertEqual(lua.stdout, "/Render/rendersettings\tscene.txt\n/Render/rendersettings_path\tscene.txt\n")

        // `rscript run PLUGIN SCENE` takes the flag as `rscript render` does.
        let run = try rscript(["run", "plugins/backgroundrenderers/probe.lua", "scene.txt", "--renderer", "Probe",
                               "--rendersettings", "/Render/rs", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try endMetadata(run)["seen_rendersettings"] as? String, "/Render/rs")
    }

    func testRenderSettingsPathAndLopnetPathReachFrameRanges() throws {
        let result = try rscript(["render", "scene.txt", "--renderer", "ProbeFrames", "--frames", "1-2", "--chunk", "1",
                                  "--output", "out", "--rendersettings", "/Render/rs"])
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        let seen = try String(contentsOfFile: folder + "/seen.txt", encoding: .utf8)
        XCTAssertEqual(seen, "scene.txt|/Render/rs\nscene.txt|/Render/rs\n", "each chunk's plugin object has both")
    }

    func testOptionsJSONCannotHoldAreAnErrorAndNoRenderIsRecorded() throws {
        try """
            local gallery = require("rscript.gallery")
            local ok, err = pcall(gallery.startRender, { renderer = "Probe", scene = "scene.txt", options = { ratio = 0/0 } })
            print(ok, err)
            local ok2, err2 = pcall(gallery.startRender, { renderer = "Probe", scene = "scene.txt",
              options = { tiles = { [1] = 1, [3] = 3 } } })
            print(ok2, err2)
            """.write(toFile: folder + "/bad.lua", atomically: true, encoding: .utf8)
        let result = try rscript(["run", "bad.lua"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, result.stdout)
        XCTAssertTrue(lines[0].hasPrefix("false\t") && lines[0].contains("gallery.startRender: options.plugin.ratio is "), lines[0])
        XCTAssertTrue(lines[0].hasSuffix("which JSON cannot hold"), lines[0])
        XCTAssertTrue(lines[1].contains("options.plugin.tiles is a table with a non-string key (number)"), lines[1])

        let cli = try rscript(["render", "scene.txt", "--renderer", "Probe", "--option", "gain=1.0e999"])
        XCTAssertNotEqual(cli.status, 0)
        XCTAssertTrue(cli.stderr.contains("options.plugin.gain is inf, which JSON cannot hold"), cli.stderr)

        let list = try rscript(["gallery", "list", "--json"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertFalse(list.stdout.contains("\"Probe\""), "no render was recorded without its options: \(list.stdout)")
    }

    func testMetadataJSONCannotHoldIsRaisedInThePlugin() throws {
        let result = try rscript(["render", "scene.txt", "--renderer", "Probe", "--json", "--option", "bad=true"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let metadata = try endMetadata(result)
        XCTAssertEqual(metadata["bad_ok"] as? Bool, false)
        let message = try XCTUnwrap(metadata["bad_error"] as? String)
        XCTAssertTrue(message.contains("bad argument #2 to 'RenderContext:updateMetadata' (metadata.ratio is "), message)
        XCTAssertTrue(message.hasSuffix("which JSON cannot hold)"), message)
        XCTAssertNil(metadata["ratio"], "nothing is stored in its place")
        XCTAssertFalse(result.stderr.contains("cannot record the render"), result.stderr)
    }
}
