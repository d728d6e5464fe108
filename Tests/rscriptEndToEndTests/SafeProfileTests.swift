import Foundation
import RScriptTesting
import XCTest

/// The Lua libraries shipped in scripts/lib work under `--safe` (no io, debug, loadfile,
/// os.getenv): every module loads, and the creation, publishing and pool-progress libraries do
/// their work.
final class SafeProfileTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-safe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/creators", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/tasks", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func safe(_ script: String) throws -> RScriptBinary.Result {
        try script.write(toFile: folder + "/main.lua", atomically: true, encoding: .utf8)
        return try RScriptBinary.run(["--safe", "run", "main.lua"],
                                     environment: ["RSCRIPT_DB": folder + "/gallery.db", "TMPDIR": folder,
                                                   "RSCRIPT_PLUGIN_PATH": folder + "/plugins:&", "XDG_CONFIG_HOME": folder + "/config"],
                                     directory: folder, timeout: 60)
    }

    /// Every `rscript.*` module under scripts/lib, found on disk (a new module is covered too).
    /// `rscript/internal/` holds chunks the runtime loads itself (the render driver, the pool's
    /// Lua face), not modules: they are covered by the renders and pools they serve.
    private func shippedModules() throws -> [String] {
        let lib = RScriptBinary.repositoryRoot + "/scripts/lib"
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: lib + "/rscript")?.allObjects as? [String])
        return files.filter { $0.hasSuffix(".lua") && !$0.hasPrefix("internal/") }.map { file -> String in
            var name = "rscript/" + file.dropLast(4)
            if name.hasSuffix("/init") { name = String(name.dropLast(5)) }
            return name.replacingOccurrences(of: "/", with: ".")
        }.sorted()
    }

    func testEveryShippedModuleLoadsUnderSafe() throws {
        let modules = try shippedModules()
        XCTAssertGreaterThan(modules.count, 20, "\(modules)")
        XCTAssertTrue(modules.contains("rscript.pyblish") && modules.contains("rscript.create.context"), "\(modules)")
        let list = modules.map { "\"\($0)\"" }.joined(separator: ", ")
        let result = try safe("""
            for _, name in ipairs{ \(list) } do
              local ok, err = pcall(require, name)
              print(name, ok and "ok" or tostring(err))
            end
            """)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, modules.map { "\($0)\tok\n" }.joined())
    }

    func testCreationPublishingAndPoolProgressWorkUnderSafe() throws {
        // A plugin file with a #! line, loaded by plugin discovery without loadfile.
        try """
            #!/usr/bin/env rscript
            local create = require("rscript.create")
            local pipeline = require("rscript.pipeline")
            local Simple = create.Creator:extend("SimpleCreator")
            Simple.family = "simple"
            Simple.identifier = "simple"
            Simple.default_variants = { "Main" }
            function Simple:create(subset_name, instance_data, pre_create_data)
              local instance = create.CreatedInstance(self.family, subset_name, instance_data, self)
              pipeline.imprint(instance.id, instance:data_to_store())
              self:_add_instance_to_context(instance)
            end
            function registerCreators(manager) manager:registerCreator(Simple) end
            """.write(toFile: folder + "/creators/simple.lua", atomically: true, encoding: .utf8)
        try """
            return function(client, x) client:progress(0.5, "half") return x * 2 end
            """.write(toFile: folder + "/tasks/double.lua", atomically: true, encoding: .utf8)
        let result = try safe("""
            local create = require("rscript.create")
            local pipeline = require("rscript.pipeline")
            local pyblish = require("rscript.pyblish")
            local integrator = require("rscript.integrator")
            local json = require("rscript.json")
            local fs = require("rscript.fs")
            local Pool = require("rscript.pool")
            local PoolProgress = require("rscript.poolprogress")

            local context = create.CreateContext{ workfile = "shot.json", create_workfile = true, creator_folders = { "creators" } }
            print("plugin errors", #context.plugin_errors, table.concat(context.plugin_errors, "; "))
            context:reset()
            local made = context:create("simple", "Main", "sh010", "lighting", {})
            context:save_changes()
            print("created", made[1].subset, context:get_project_name())
            pipeline.close()

            -- A copied entry: the mend's warning reaches stderr without io.
            local doc = json.decode(fs.read("shot.json"))
            -- (keys collected first: adding keys while pairs walks a table is undefined)
            local ids = {} for id in pairs(doc.instances) do ids[#ids + 1] = id end
            for _, id in ipairs(ids) do doc.instances[id .. "-copy"] = doc.instances[id] end
            fs.write("shot.json", json.encode(doc))
            pipeline.open("shot.json")
            print("instances", #pipeline.list_instances())
            pipeline.close()

            local Boom = pyblish.ContextPlugin:extend("Boom")
            Boom.order = pyblish.CollectorOrder
            function Boom:process(ctx) error("boom in collect") end
            local report = pyblish.publish{ plugins = { Boom }, instances = {} }
            local record = report.records[1]
            print("publish", report.success, record.success, tostring(record.error and record.error.detail or record.error))

            print("template", integrator.resolve_template({}, nil) == integrator.DEFAULT_TEMPLATE)

            local pool = Pool.new{ workers = 1 }
            local progress = PoolProgress.new(pool, { total = 1 })
            progress:add(pool:apply_async("tasks/double.lua", { 21 }), "double")
            print("results", table.unpack(progress:wait()))
            """)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("plugin errors\t0\t"), result.stdout)
        XCTAssertTrue(lines.contains("created\tsimpleMain\tshot"), "the project falls back to the workfile's name: \(result.stdout)")
        XCTAssertTrue(lines.contains("instances\t2"), result.stdout)
        XCTAssertTrue(result.stderr.contains("have the same instance_id"), "the warning is shown: \(result.stderr)")
        let publish = try XCTUnwrap(lines.first { $0.hasPrefix("publish\t") }, result.stdout)
        XCTAssertTrue(publish.hasPrefix("publish\tfalse\tfalse\t") && publish.contains("boom in collect"), publish)
        XCTAssertTrue(lines.contains("template\ttrue"), result.stdout)
        XCTAssertTrue(lines.contains("results\t42"), result.stdout)
        XCTAssertTrue(lines.contains { $0.contains("double") }, "plain progress lines through print: \(result.stdout)")
    }
}
