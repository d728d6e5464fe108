import Foundation
import RScriptTesting
import XCTest

/// The creation and publishing workflow end to end: `rscript create`, `instances`, `publish`
/// and `plugins` with the example plugins shipped in scripts/plugins (a workfile AutoCreator, a
/// render-layer Creator, collectors, validators, a POV-Ray extractor on the worker pool, the
/// versioned integrator), on a real render.
final class PublishTests: XCTestCase {
    static let orbit = RScriptBinary.repositoryRoot + "/scripts/examples/scenes/orbit.pov"

    var folder = ""
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-publish-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/plugins", withIntermediateDirectories: true)
        environment = [
            "RSCRIPT_PLUGIN_PATH": folder + "/plugins:&",
            "XDG_CONFIG_HOME": folder + "/config",
            "RSCRIPT_PUBLISH_WORKERS": "2",
            "USER": "tester",
            "TMPDIR": folder,
        ]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func rscript(_ arguments: [String], timeout: Double = 120) throws -> RScriptBinary.Result {
        try RScriptBinary.run(arguments, environment: environment, directory: folder, timeout: timeout)
    }

    private func requirePovray() throws {
        let found = ["/usr/bin/povray", "/usr/local/bin/povray"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        try XCTSkipIf(!found, "povray is not installed (tools/setup.sh installs it)")
    }

    private func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path) holds a JSON object")
    }

    private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    private func isPNG(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count > 8 else { return false }
        return Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    }

    @discardableResult
    private func createRenderLayer(_ workfile: String = "shot.json", variant: String = "Main", scene: String = orbit,
                                   first: Int = 1, last: Int = 3, file: StaticString = #filePath, line: UInt = #line) throws -> RScriptBinary.Result {
        let result = try rscript([
            "create", workfile, "--creator", "render_layer", "--variant", variant, "--asset", "sh010",
            "--task", "lighting", "--project", "demo", "--select", scene, "--attr", "use_selection=true",
            "--attr", "frameStart=\(first)", "--attr", "frameEnd=\(last)", "--attr", "resolution=64x48",
        ])
        XCTAssertEqual(result.status, 0, "create failed: \(result.stderr)", file: file, line: line)
        return result
    }

    // MARK: - The whole workflow

    func testCreatePublishRenderAndPublishAgainAsVersionTwo() throws {
        try requirePovray()
        let created = try createRenderLayer()
        XCTAssertTrue(created.stdout.contains("created renderMain (family render, creator render_layer, asset sh010, task lighting)"), created.stdout)

        // The workfile AutoCreator made its instance on the reset; both are listed.
        let listed = try rscript(["instances", "shot.json", "--json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let listing = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        let instances = try XCTUnwrap(listing["instances"] as? [[String: Any]])
        XCTAssertEqual(Set(instances.compactMap { $0["subset"] as? String }), ["workfileMain", "renderMain"])
        let render = try XCTUnwrap(instances.first { $0["family"] as? String == "render" })
        let attributes = try XCTUnwrap(render["creator_attributes"] as? [String: Any])
        XCTAssertEqual(attributes["frameEnd"] as? Int, 3)
        XCTAssertEqual(attributes["render_farm"] as? Bool, false)
        let instanceID = try XCTUnwrap(render["instance_id"] as? String)
        XCTAssertNotNil(instanceID.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression))

        let published = try rscript(["publish", "shot.json", "--report", "report.json", "--comment", "first look"], timeout: 300)
        XCTAssertEqual(published.status, 0, "publish failed:\n\(published.stdout)\n\(published.stderr)")
        let v1 = folder + "/publish/demo/sh010/publish/render/renderMain/v001"
        for frame in 1...3 {
            let image = v1 + String(format: "/sh010_renderMain_v001.%04d.png", frame)
            XCTAssertTrue(isPNG(image), "\(image) is a PNG image")
        }
        let metadata = try json(v1 + "/version.json")
        XCTAssertEqual(metadata["version"] as? Int, 1)
        XCTAssertEqual(metadata["author"] as? String, "tester")
        XCTAssertEqual(metadata["comment"] as? String, "first look")
        XCTAssertEqual(metadata["frameStart"] as? Int, 1)
        XCTAssertEqual(metadata["frameEnd"] as? Int, 3)
        XCTAssertEqual(metadata["family"] as? String, "render")
        XCTAssertTrue((metadata["families"] as? [String] ?? []).contains("render"))
        XCTAssertEqual(metadata["source"] as? String ?? metadata["workfile"] as? String, folder + "/shot.json")
        XCTAssertTrue(exists(folder + "/publish/demo/sh010/publish/workfile/workfileMain/v001/sh010_workfileMain_v001.json"))
        XCTAssertFalse(exists(folder + "/.rscript-staging/" + instanceID), "the staging folder is removed after a publish")

        let report = try json(folder + "/report.json")
        XCTAssertEqual(report["success"] as? Bool, true)
        let records = try XCTUnwrap(report["records"] as? [[String: Any]])
        let extract = records.filter { $0["plugin"] as? String == "ExtractPovrayFrames" }
        XCTAssertEqual(extract.count, 1)
        XCTAssertEqual(extract.first?["success"] as? Bool, true)
        XCTAssertTrue(published.stdout.contains("ValidateFrameRange") || published.stdout.contains("Validate Frame Range"), published.stdout)

        let again = try rscript(["publish", "shot.json"], timeout: 300)
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        let v2 = folder + "/publish/demo/sh010/publish/render/renderMain/v002"
        XCTAssertTrue(isPNG(v2 + "/sh010_renderMain_v002.0002.png"))
        XCTAssertEqual(try json(v2 + "/version.json")["version"] as? Int, 2)
        XCTAssertTrue(isPNG(v1 + "/sh010_renderMain_v001.0002.png"), "v001 is left as it was")
    }

    func testFailingValidationStopsBeforeExtraction() throws {
        try createRenderLayer(first: 10, last: 2)
        try createRenderLayer(variant: "Missing", scene: folder + "/nowhere.pov")
        let result = try rscript(["publish", "shot.json", "--report", "report.json"])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        // Both validators ran and both problems are reported with title and description.
        XCTAssertTrue(result.stdout.contains("Invalid frame range"), result.stdout)
        XCTAssertTrue(result.stdout.contains("ends before it starts"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Scene file missing"), result.stdout)
        let report = try json(folder + "/report.json")
        XCTAssertEqual(report["success"] as? Bool, false)
        XCTAssertEqual(report["stage"] as? String, "validation")
        let records = try XCTUnwrap(report["records"] as? [[String: Any]])
        XCTAssertFalse(records.contains { ($0["plugin"] as? String)?.hasPrefix("Extract") == true && $0["skipped"] as? Bool != true },
                       "no extractor ran")
        XCTAssertFalse(exists(folder + "/publish/demo/sh010/publish/render"), "nothing was integrated")
    }

    // MARK: - Bad input

    func testBadAttributeValuesAreRefusedBeforeAnythingIsWritten() throws {
        for (attribute, expected) in [
            ("frameStart=-5", "frameStart"), ("resolution=big", "resolution"), ("frameEnd=many", "frameEnd"),
            ("colour=red", "has no attribute 'colour'"),
        ] {
            let result = try rscript(["create", "shot.json", "--creator", "render_layer", "--asset", "sh010", "--attr", attribute])
            XCTAssertEqual(result.status, 2, "\(attribute): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(expected), "\(attribute): \(result.stderr)")
            XCTAssertFalse(exists(folder + "/shot.json"), "\(attribute): no workfile written")
        }
        let unknown = try rscript(["create", "shot.json", "--creator", "nope", "--asset", "sh010"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("no creator 'nope' (known: render_layer, workfile"), unknown.stderr)
    }

    func testBrokenOrForeignWorkfilesAreLeftUntouched() throws {
        let path = folder + "/shot.json"
        for (text, expected) in [
            ("{ \"instances\": ", "is not valid JSON"),
            ("{\"schema\": \"rscript.workfile\", \"schema_version\": 7, \"instances\": {}}", "has schema version 7; this rscript reads version 1"),
            ("[1, 2]", "is not a workfile"),
        ] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            for command in [["create", "shot.json", "--creator", "render_layer", "--asset", "a"], ["instances", "shot.json"], ["publish", "shot.json"]] {
                let result = try rscript(command)
                XCTAssertNotEqual(result.status, 0, "\(command[0]) on \(text)")
                XCTAssertTrue(result.stderr.contains(expected), "\(command[0]): \(result.stderr)")
                XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), text, "\(command[0]) left the file as it was")
            }
        }
    }

    func testCopiedInstanceEntryGetsANewIdWithAWarning() throws {
        try createRenderLayer()
        let path = folder + "/shot.json"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        // Copy the render instance's entry under the same key, as a hand edit would.
        let document = try json(path)
        let entries = try XCTUnwrap(document["instances"] as? [String: Any])
        let (id, entry) = try XCTUnwrap(entries.first { ($0.value as? [String: Any])?["family"] as? String == "render" })
        var copy = try XCTUnwrap(entry as? [String: Any])
        copy["subset"] = "renderCopy"
        let copyText = String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
        let marker = "\"instances\": {"
        let range = try XCTUnwrap(text.range(of: marker))
        text.replaceSubrange(range, with: marker + "\n    \"\(id)\": \(copyText),")
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        let listed = try rscript(["instances", "shot.json", "--json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stderr.contains("the instance \(id) is in \"instances\" twice (a copied entry?): subsets renderCopy and renderMain") || listed.stderr.contains("the instance \(id) is in \"instances\" twice (a copied entry?): subsets renderMain and renderCopy"), listed.stderr)
        let listing = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        let instances = try XCTUnwrap(listing["instances"] as? [[String: Any]])
        let renders = instances.filter { $0["family"] as? String == "render" }
        XCTAssertEqual(Set(renders.compactMap { $0["subset"] as? String }), ["renderMain", "renderCopy"])
        XCTAssertEqual(Set(renders.compactMap { $0["instance_id"] as? String }).count, 2, "the copy has its own id")
    }

    func testPluginDiscoveryOverridesDuplicatesAndSyntaxErrors() throws {
        let creators = folder + "/plugins/creators"
        let publish = folder + "/plugins/publish"
        try FileManager.default.createDirectory(atPath: creators, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: publish, withIntermediateDirectories: true)
        try """
            local create = require("rscript.create")
            local Copy = create.Creator:extend("CopyOfRenderLayer")
            Copy.family = "render"
            Copy.identifier = "render_layer"
            function registerCreators(manager) manager:registerCreator(Copy) end
            """.write(toFile: creators + "/another_render.lua", atomically: true, encoding: .utf8)
        try "local x = = 1\n".write(toFile: publish + "/broken.lua", atomically: true, encoding: .utf8)
        try """
            local pyblish = require("rscript.pyblish")
            local Mine = pyblish.ContextPlugin:extend("MyCollector")
            function Mine:process(context) end
            function registerPublishPlugins(manager) manager:registerPlugin(Mine) end
            """.write(toFile: publish + "/validate_frame_range.lua", atomically: true, encoding: .utf8)

        let result = try rscript(["plugins", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let listing = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let errors = try XCTUnwrap(listing["errors"] as? [String])
        XCTAssertTrue(errors.contains { $0.hasPrefix(publish + "/broken.lua:1:") }, "\(errors)")
        let warnings = try XCTUnwrap(listing["warnings"] as? [String])
        XCTAssertTrue(warnings.contains { $0.contains("'render_layer' is defined twice") && $0.contains("another_render.lua")
            && $0.contains("scripts/plugins/creators/render_layer.lua") }, "\(warnings)")
        let plugins = try XCTUnwrap(listing["publish"] as? [[String: Any]])
        let names = plugins.compactMap { $0["name"] as? String }
        XCTAssertTrue(names.contains("MyCollector"), "the file in RSCRIPT_PLUGIN_PATH is used")
        XCTAssertFalse(names.contains("ValidateFrameRange"), "it overrides the shipped file of the same name")
        XCTAssertTrue(names.contains("IntegrateVersion"), "the other plugins are still found: \(names)")
        let creatorsListed = try XCTUnwrap(listing["creators"] as? [[String: Any]])
        let renderLayer = try XCTUnwrap(creatorsListed.first { $0["identifier"] as? String == "render_layer" })
        XCTAssertEqual(renderLayer["file"] as? String, creators + "/another_render.lua", "the first found wins")
    }
}
