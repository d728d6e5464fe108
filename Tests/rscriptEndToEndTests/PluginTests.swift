import Foundation
import RScriptTesting
import XCTest

/// The plugins shipped in scripts/plugins/backgroundrenderers (POV-Ray, Blender, Command), end to
/// end through the real binary and the real renderers (`povray`, `blender` from Debian; a test
/// whose renderer is not installed is skipped).
final class PluginTests: XCTestCase {
    static let scenes = RScriptBinary.repositoryRoot + "/scripts/examples/scenes"
    static let folder = NSTemporaryDirectory() + "rscript-plugins-\(UUID().uuidString)"
    /// Made once for the class by scenes/make_blend.py: a 64x64 Cycles scene, and the same with
    /// denoising on.
    nonisolated(unsafe) static var blendMade: Result<(plain: String, denoise: String), Error>?

    var environment: [String: String] = [:]

    override class func setUp() {
        super.setUp()
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    override func setUpWithError() throws {
        environment = [
            "RSCRIPT_DB": Self.folder + "/gallery-\(UUID().uuidString).db",
            "RSCRIPT_PLUGIN_PATH": Self.folder + "/no-plugins:&",  // &: the shipped plugins under test
            "XDG_CONFIG_HOME": Self.folder + "/config",
            // renders started from `rscript run` get their workDir under $TMPDIR
            "TMPDIR": Self.folder,
        ]
    }

    // MARK: - helpers

    private func rscript(_ arguments: [String], timeout: Double = 60) throws -> RScriptBinary.Result {
        try RScriptBinary.run(arguments, environment: environment, directory: Self.folder, timeout: timeout)
    }

    private static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    private func require(_ tool: String) throws {
        try XCTSkipIf(Self.which(tool) == nil, "\(tool) is not installed (tools/setup.sh installs it)")
    }

    /// The JSON events of `rscript render --json`.
    private func events(_ result: RScriptBinary.Result) -> [[String: Any]] {
        result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Width and height of a PNG file, from its signature and IHDR chunk.
    private func pngSize(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (Int, Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertGreaterThan(data.count, 24, "\(path) is too short for a PNG", file: file, line: line)
        let bytes = [UInt8](data.prefix(24))
        XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature of \(path)", file: file, line: line)
        XCTAssertEqual(String(decoding: bytes[12..<16], as: UTF8.self), "IHDR", file: file, line: line)
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    private func number(_ value: Any?) -> Double? {
        (value as? NSNumber)?.doubleValue
    }

    /// The .blend files, made once (both Blender runs at the same time).
    private func blends() throws -> (plain: String, denoise: String) {
        try require("blender")
        if Self.blendMade == nil {
            Self.blendMade = Result {
                let plain = Self.folder + "/tiny.blend", denoise = Self.folder + "/denoise.blend"
                let script = Self.scenes + "/make_blend.py"
                let runs = try [[plain, "--samples", "4"], [denoise, "--samples", "4", "--denoise"]].map { args -> (Process, Pipe) in
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: Self.which("blender")!)
                    process.arguments = ["-b", "--factory-startup", "--python", script, "--"] + args
                    let pipe = Pipe()
                    process.standardOutput = pipe
                    process.standardError = pipe
                    try process.run()
                    return (process, pipe)
                }
                for (process, pipe) in runs {
                    let output = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    guard process.terminationStatus == 0 else {
                        throw NSError(domain: "make_blend.py", code: Int(process.terminationStatus), userInfo: [
                            NSLocalizedDescriptionKey: String(decoding: output, as: UTF8.self)])
                    }
                }
                return (plain, denoise)
            }
        }
        return try Self.blendMade!.get()
    }

    // MARK: - POV-Ray

    func testPOVRayRendersTheExampleSceneToAPNGOfTheAskedSize() throws {
        try require("povray")
        let result = try rscript(["render", Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "96x72", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let all = events(result)
        let end = try XCTUnwrap(all.last)
        XCTAssertEqual(end["event"] as? String, "end")
        XCTAssertEqual(end["state"] as? String, "finished", result.stderr)
        let metadata = try XCTUnwrap(end["metadata"] as? [String: Any])
        XCTAssertEqual(number(metadata["percentDone"]), 100)
        XCTAssertNotNil(number(metadata["traceTime"]), "POV-Ray's Trace Time line is parsed: \(metadata)")
        let images = try XCTUnwrap(end["images"] as? [String])
        XCTAssertEqual(images.count, 1, "one pass, one image: \(images)")
        XCTAssertTrue(images[0].hasSuffix("/image.png"), images[0])
        let (width, height) = try pngSize(images[0])
        XCTAssertEqual(width, 96)
        XCTAssertEqual(height, 72)
        // The povray log kept in the workDir has the CR-ended progress lines the plugin parsed.
        let log = try String(contentsOfFile: (images[0] as NSString).deletingLastPathComponent + "/povray-full.log", encoding: .utf8)
        XCTAssertTrue(log.contains("Rendered 6912 of 6912 pixels (100%)\r"), "progress lines end with CR")

        let id = try XCTUnwrap(end["id"] as? Int)
        let show = try rscript(["gallery", "show", String(id), "--json"])
        XCTAssertEqual(show.status, 0, show.stderr)
        let snapshot = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(snapshot["state"] as? String, "finished", show.stdout)
        XCTAssertEqual(snapshot["label"] as? String, "POV-Ray", show.stdout)
        XCTAssertTrue(show.stdout.contains("image.png"), show.stdout)
    }

    func testPOVRayOptionsReachTheCommandLine() throws {
        try require("povray")
        let result = try rscript(["render", Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "48x36",
                                  "--option", "quality=4", "--option", "antialias=0.2", "--option", "preview=1", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let end = try XCTUnwrap(events(result).last)
        let images = try XCTUnwrap(end["images"] as? [String])
        XCTAssertEqual(images.map { ($0 as NSString).lastPathComponent }, ["preview.png", "image.png"], "the preview first, then the frame")
        let dir = (images[1] as NSString).deletingLastPathComponent
        let full = try String(contentsOfFile: dir + "/povray-full.log", encoding: .utf8)
        XCTAssertTrue(full.contains("Quality:  4"), full)
        XCTAssertTrue(full.contains("Antialiasing.........On  (Method 1, Threshold 0.200"), full)
        let (width, height) = try pngSize(images[0])
        XCTAssertEqual([width, height], [48, 36])
    }

    func testPOVRayParseErrorFailsTheRenderWithTheErrorAndTheLog() throws {
        try require("povray")
        let scene = Self.folder + "/broken.pov"
        try """
            #version 3.7;
            camera { location <0, 1, -3> look_at 0 }
            sphere { <0, 0, 0>, 1 pigment { color rgb <1, 0, 0> }
            box { 0, 1 }
            """.write(toFile: scene, atomically: true, encoding: .utf8)
        let result = try rscript(["render", scene, "--renderer", "POV-Ray", "--res", "32x24"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("POV-Ray failed (povray exited with status 1)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("broken.pov' line 4: Parse Error: No matching } in 'sphere', box found instead"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Fatal error in parser: Cannot parse input."), "the last log lines: \(result.stderr)")
    }

    func testPOVRayClickRendersARegionFirstThenContinuesTheFrame() throws {
        try require("povray")
        // Slow enough (1280x960, adaptive antialiasing, depth 4: several seconds) to be clicked
        // while it renders, with POV-Ray's state file written, even on a fast machine: a 320x240
        // frame is done in half a second, before its first progress line reaches the plugin.
        let script = """
            local gallery, time = require("rscript.gallery"), require("rscript.time")
            local r = gallery.startRender{ renderer = "POV-Ray", scene = \(luaString(Self.scenes + "/spheres.pov")),
              res_x = 1280, res_y = 960, options = { antialias = "0.0", antialias_depth = 4 } }
            local t0 = time.monotonic()
            while (r:metadata().percentDone or 0) <= 0 and time.monotonic() - t0 < 10 do time.sleep(0.02) end
            assert(r:state() == "rendering", "still rendering when clicked")
            r:mouseClick(0.95, 0.5)
            assert(r:wait() == "finished", r:error())
            local images = r:images()
            print(r:metadata().percentDone)
            for _, path in ipairs(images) do print(path) end
            """
        let path = Self.folder + "/click.lua"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try rscript(["run", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "100", result.stdout)
        let names = lines.dropFirst().map { ($0 as NSString).lastPathComponent }
        XCTAssertEqual(names.first, "region-1.png", "the clicked region is shown first: \(result.stdout)")
        XCTAssertEqual(names.last, "image.png", "then the full frame: \(result.stdout)")
        XCTAssertEqual(Set(names), ["region-1.png", "image.png"], result.stdout)
        let dir = ((lines.last ?? "") as NSString).deletingLastPathComponent
        let regionLog = try String(contentsOfFile: dir + "/povray-region.log", encoding: .utf8)
        // x 0.95 is moved inside the frame: the 25% box is columns 0.75..1.0, rows 0.375..0.625.
        XCTAssertTrue(regionLog.contains("1280 by 960 (rows 361 to 600, columns 961 to 1280)"), regionLog)
        let fullLog = try String(contentsOfFile: dir + "/povray-full.log", encoding: .utf8)
        XCTAssertTrue(fullLog.contains("Continued trace......On"), "the frame continues from POV-Ray's saved state")
        let (width, height) = try pngSize(dir + "/image.png")
        XCTAssertEqual([width, height], [1280, 960])
    }

    private func luaString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    // MARK: - Blender

    func testBlenderRendersABlendMadeByMakeBlend() throws {
        let blend = try blends().plain
        let result = try rscript(["render", blend, "--renderer", "Blender", "--res", "64x48", "--camera", "/Camera", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let end = try XCTUnwrap(events(result).last)
        XCTAssertEqual(end["state"] as? String, "finished", result.stderr)
        let metadata = try XCTUnwrap(end["metadata"] as? [String: Any])
        XCTAssertEqual(number(metadata["percentDone"]), 100)
        // From Blender's "Fra:1 Mem:9.85M (Peak 10.36M) | ... | Mem:0.86M, Peak:0.86M" lines: MiB -> bytes.
        let peak = try XCTUnwrap(number(metadata["peakMemory"]), "\(metadata)")
        XCTAssertGreaterThan(peak, 1_000_000)
        XCTAssertEqual(peak.truncatingRemainder(dividingBy: 1), 0, "bytes")
        let images = try XCTUnwrap(end["images"] as? [String])
        XCTAssertEqual(images.count, 1)
        XCTAssertTrue(images[0].hasSuffix("/frame_0001.png"), images[0])
        let (width, height) = try pngSize(images[0])
        XCTAssertEqual([width, height], [64, 48], "--res reaches the scene")
    }

    func testBlenderDenoisingSceneFailsWithAClearMessage() throws {
        let blend = try blends().denoise
        let result = try rscript(["render", blend, "--renderer", "Blender", "--res", "32x32"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("this scene asks for denoising, but this Blender is built without OpenImageDenoise"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--option denoise=off"), result.stderr)
        let unknownCamera = try rscript(["render", blend, "--renderer", "Blender", "--camera", "Nope", "--option", "denoise=off"])
        XCTAssertEqual(unknownCamera.status, 1)
        XCTAssertTrue(unknownCamera.stderr.contains("Blender: no camera named 'Nope' in the scene (cameras: Camera)"), unknownCamera.stderr)
    }

    // MARK: - Command

    func testCommandRendersWithACommandFromTheOptions() throws {
        try require("povray")
        // POV-Ray as "a studio's renderer": placeholders, a two-capture progress pattern, no shell.
        let result = try rscript([
            "render", Self.scenes + "/spheres.pov", "--renderer", "Command", "--res", "40x30", "--json",
            "--option", "command=povray +I{scene} +O{output} +W{res_x} +H{res_y} -D +V",
            "--option", "progress=^Rendered (%d+) of (%d+) pixels",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let end = try XCTUnwrap(events(result).last)
        XCTAssertEqual(end["state"] as? String, "finished", result.stderr)
        XCTAssertEqual(number((end["metadata"] as? [String: Any])?["percentDone"]), 100)
        let images = try XCTUnwrap(end["images"] as? [String])
        let (width, height) = try pngSize(try XCTUnwrap(images.last))
        XCTAssertEqual([width, height], [40, 30])
    }

    func testCommandSplitsWithoutAShellAndFailsOnAnError() throws {
        // Quotes keep a space inside one argument, and $HOME stays literal: no shell.
        let copy = try rscript([
            "render", Self.scenes + "/spheres.pov", "--renderer", "Command", "--json",
            "--option", "command=cp {scene} '{workDir}/out $HOME.pov'", "--option", "output=out $HOME.pov",
        ])
        XCTAssertEqual(copy.status, 0, copy.stderr)
        let end = try XCTUnwrap(events(copy).last)
        let image = try XCTUnwrap((end["images"] as? [String])?.last)
        XCTAssertTrue(image.hasSuffix("/out $HOME.pov"), image)
        XCTAssertEqual(try String(contentsOfFile: image, encoding: .utf8),
                       try String(contentsOfFile: Self.scenes + "/spheres.pov", encoding: .utf8))

        let failing = try rscript([
            "render", Self.scenes + "/spheres.pov", "--renderer", "Command",
            "--option", "command=sh -c 'echo 40% done; echo cannot open licence server >&2; exit 3'",
            "--option", "progress=(%d+)%% done",
        ])
        XCTAssertEqual(failing.status, 1)
        XCTAssertTrue(failing.stderr.contains("Command: the command exited with status 3"), failing.stderr)
        XCTAssertTrue(failing.stderr.contains("cannot open licence server"), failing.stderr)

        let noOutput = try rscript(["render", Self.scenes + "/spheres.pov", "--renderer", "Command", "--option", "command=true"])
        XCTAssertEqual(noOutput.status, 1)
        XCTAssertTrue(noOutput.stderr.contains("the command finished but did not write"), noOutput.stderr)

        let placeholder = try rscript(["render", Self.scenes + "/spheres.pov", "--renderer", "Command", "--option", "command=true {res_x}"])
        XCTAssertEqual(placeholder.status, 1)
        XCTAssertTrue(placeholder.stderr.contains("uses {res_x} but the render has no resolution"), placeholder.stderr)
    }

    func testCommandShowsTheOutputEachTimeItChanges() throws {
        // shell=1: sh -c, with {output} single-quoted. The file is rewritten 3 times while the
        // command runs, then once more at the end: each settled version is shown.
        let result = try rscript([
            "render", Self.scenes + "/spheres.pov", "--renderer", "Command", "--json",
            "--option", "shell=1", "--option", "poll=0.1", "--option", "progress=^(%d)/(%d)$",
            "--option", "command=for i in 1 2 3; do echo pass $i > {output}; echo $i/4; sleep 0.4; done; echo pass 4 > {output}",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let all = events(result)
        XCTAssertEqual(all.filter { $0["event"] as? String == "image" }.count, 4, result.stdout)
        let percents = all.compactMap { number(($0["metadata"] as? [String: Any])?["percentDone"]) }
        XCTAssertTrue(percents.contains(50), "2/4 is 50%: \(percents)")
        let end = try XCTUnwrap(all.last)
        let image = try XCTUnwrap((end["images"] as? [String])?.last)
        XCTAssertEqual(try String(contentsOfFile: image, encoding: .utf8), "pass 4\n")
    }
}
