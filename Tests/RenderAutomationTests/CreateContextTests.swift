import Foundation
import LuaBridge
import RenderAutomation
import XCTest

/// `rscript.create` and `rscript.pipeline` (scripts/lib/rscript/create/, pipeline.lua): created
/// instances, creators, the create context and the JSON workfile. Every test works in a temporary
/// folder of its own and hands its creators to the context (`creators = {...}`), so the plugin
/// path of the machine running the tests plays no part.
final class CreateContextTests: XCTestCase {
    private var runtime: ScriptRuntime!
    private var directory: String!

    override func setUpWithError() throws {
        var options = RuntimeOptions()
        options.libraryDirectory = Self.repositoryRoot + "/scripts/lib"
        runtime = try ScriptRuntime(options: options)
        directory = NSTemporaryDirectory() + "rscript-create-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        runtime = nil
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// `eq`, `has`/`lacks` (plain substrings), `fails(fn, part)` (the error, whose message
    /// contains `part`), `warnings` (what the context and the pipeline warned), `path(name)` (in
    /// the test's folder), `creator(name, fields)` (a Creator class of family "render"),
    /// `context(file, creators, options)` (a CreateContext on a new or existing workfile).
    private var prelude: String {
        """
        local dir = "\(directory!)"; \
        local rs = require("rscript"); local create = require("rscript.create"); local pipeline = require("rscript.pipeline"); \
        local AD = require("rscript.attribute_definitions"); local json = require("rscript.json"); local fs = require("rscript.fs"); \
        local CreatedInstance, Creator, AutoCreator, CreatorError, CreateContext = create.CreatedInstance, create.Creator, create.AutoCreator, create.CreatorError, create.CreateContext; \
        local function eq(a, b) if a ~= b then error(string.format("expected %q, got %q", tostring(b), tostring(a)), 2) end end; \
        local function has(text, part) if not tostring(text):find(part, 1, true) then error(string.format("%q does not contain %q", tostring(text), part), 2) end end; \
        local function lacks(text, part) if tostring(text):find(part, 1, true) then error(string.format("%q contains %q", tostring(text), part), 2) end end; \
        local function fails(fn, part) local ok, err = pcall(fn); if ok then error("expected an error containing " .. part, 2) end; \
          local message = type(err) == "table" and err.message or tostring(err); \
          if not tostring(message):find(part, 1, true) then error(string.format("error %q does not contain %q", tostring(message), part), 2) end; return err end; \
        local warnings = {}; local function onWarning(m) warnings[#warnings + 1] = m end; pipeline.set_warning_handler(onWarning); \
        local function path(name) return fs.join(dir, name) end; \
        local function creator(name, fields) local C = Creator:extend(name); C.family = "render"; for k, v in pairs(fields or {}) do C[k] = v end; return C end; \
        local function context(file, creators, options) options = options or {}; options.workfile = file; options.create_workfile = true; \
          options.creators = creators; options.publish_plugins = options.publish_plugins or {}; options.on_warning = onWarning; return CreateContext(options) end;

        """
    }

    private func run(_ code: String, file: StaticString = #filePath, line: UInt = #line) {
        let outcome = runtime.runSource(Array((prelude + code).utf8), chunkName: "=test")
        if case .failure(let error) = outcome { XCTFail("Lua failed: \(error)", file: file, line: line) }
        XCTAssertEqual(outcome, .success, file: file, line: line)
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    // MARK: - CreatedInstance

    func testImmutableKeysRefuseNewValuesAndAcceptTheSameValue() {
        run("""
            local ctx = context(path("w.json"), { creator("C", { identifier = "c" }) })
            local inst = CreatedInstance("render", "renderMain", { variant = "Main", asset = "sh010" }, ctx.creators.c)
            for key, value in pairs({ family = "model", instance_id = rs.uuid(), creator_identifier = "other",
                                      creator_attributes = { x = 1 }, publish_attributes = { P = {} } }) do
              local err = fails(function() inst[key] = value end, "'" .. key .. "'")
              has(err, "immutable")
            end
            fails(function() inst.id = "something" end, "'id'")
            -- the same value is a no-op, also for a table with the same content
            inst.family = "render"; inst.creator_identifier = "c"; inst.instance_id = inst.instance_id
            inst.creator_attributes = {}; inst.publish_attributes = {}
            eq(inst.family, "render"); eq(inst:has_changes(), false)
            -- free keys are free
            inst.variant = "Beauty"; inst.subset = "renderBeauty"; inst.active = false; inst.asset = "sh020"; inst.anything = 5
            eq(inst.variant, "Beauty"); eq(inst.subset, "renderBeauty"); eq(inst.active, false); eq(inst.anything, 5)
            inst.anything = nil; eq(inst:has("anything"), false)
            """)
    }

    func testIdIsTheInstanceIdAndTheStoredIdIsTheConstant() {
        run("""
            local ctx = context(path("w.json"), { creator("C", { identifier = "c" }) })
            local a = CreatedInstance("render", "renderMain", {}, ctx.creators.c)
            local b = CreatedInstance("render", "renderMain", {}, ctx.creators.c)
            eq(a.id, a.instance_id); eq(a:get("id"), "pyblish.avalon.instance"); eq(a:data_to_store().id, "pyblish.avalon.instance")
            local uuid4 = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"
            assert(a.id:match(uuid4), "not a uuid4: " .. a.id); assert(b.id:match(uuid4), "not a uuid4: " .. b.id)
            assert(a.id ~= b.id, "two instances got the same id")
            -- defaults: active, task = null, the creator's identifier
            eq(a.active, true); eq(a.task, null); eq(a.creator_identifier, "c"); eq(a.family, "render"); eq(a.subset, "renderMain")
            -- a given instance_id is kept
            local given = rs.uuid()
            eq(CreatedInstance("render", "renderMain", { instance_id = given }, ctx.creators.c).id, given)
            """)
    }

    func testChangesTrackFreeAndNestedKeysAndAreClearedOnceSaved() {
        run("""
            local C = creator("C", { identifier = "c" })
            function C:get_instance_attr_defs()
              return { AD.BoolDef("render_farm", { default = false }), AD.NumberDef("frameEnd", { default = 24, minimum = 1, maximum = 100 }) }
            end
            local ctx = context(path("w.json"), { C })
            local inst = ctx:create("c", "Main", "sh010", "comp", {})[1]
            eq(inst.creator_attributes.render_farm, false); eq(inst.creator_attributes.frameEnd, 24)
            eq(next(inst:changes()), nil); eq(inst:has_changes(), false)
            inst.asset = "sh020"; inst.creator_attributes.render_farm = true; inst.note = "new"; inst.task = null
            local changes = inst:changes()
            eq(changes.asset[1], "sh010"); eq(changes.asset[2], "sh020")
            eq(changes.creator_attributes.render_farm[1], false); eq(changes.creator_attributes.render_farm[2], true)
            eq(changes.creator_attributes.frameEnd, nil)  -- unchanged nested keys are left out
            eq(changes.note[1], null); eq(changes.note[2], "new")
            eq(changes.task[1], "comp"); eq(changes.task[2], null)
            eq(changes.variant, nil); eq(changes.family, nil)
            ctx:save_changes()
            eq(next(inst:changes()), nil); eq(inst:has_changes(), false)
            local stored = pipeline.get_instance(inst.id)
            eq(stored.asset, "sh020"); eq(stored.creator_attributes.render_farm, true); eq(stored.note, "new"); eq(stored.task, null)
            """)
    }

    func testNullTaskSurvivesSaveAndLoad() throws {
        run("""
            local ctx = context(path("w.json"), { creator("C", { identifier = "c", subset_template = "{family}{Variant}" }) })
            local inst = ctx:create("c", "Main", "sh010", nil, {})[1]
            eq(inst.task, null)
            ctx:save_changes(); pipeline.close()
            """)
        let text = try String(contentsOfFile: path("w.json"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"task\": null"), text)
        run("""
            local ctx = context(path("w.json"), { creator("C", { identifier = "c" }) })
            ctx:reset()
            eq(#ctx.instances, 1)
            local inst = ctx.instances[1]
            eq(inst.task, null); assert(rs.isNull(inst.task)); eq(inst:has_changes(), false)
            eq(inst:data_to_store().task, null)
            -- and back: a task set, saved, reopened
            inst.task = "lighting"; ctx:save_changes(); pipeline.close()
            local again = context(path("w.json"), { creator("C", { identifier = "c" }) }); again:reset()
            eq(again.instances[1].task, "lighting")
            """)
    }

    func testFromExistingKeepsTheStoredDataWithoutChanges() {
        run("""
            local C = creator("C", { identifier = "c" })
            function C:get_instance_attr_defs() return { AD.BoolDef("render_farm", { default = false }), AD.NumberDef("frameStart", { default = 1 }) } end
            local ctx = context(path("w.json"), { C })
            local id = rs.uuid()
            local data = { id = "pyblish.avalon.instance", instance_id = id, family = "render", subset = "renderBeauty",
              creator_identifier = "c", variant = "Beauty", asset = "sh010", task = null, active = false,
              creator_attributes = { render_farm = true }, publish_attributes = {}, custom = { a = 1 } }
            local inst = CreatedInstance.from_existing(data, ctx.creators.c)
            eq(inst.id, id); eq(inst.subset, "renderBeauty"); eq(inst.variant, "Beauty"); eq(inst.active, false); eq(inst.task, null)
            eq(inst.creator_attributes.render_farm, true)
            eq(inst.creator_attributes.frameStart, 1)  -- a missing attribute gets its default
            eq(inst.custom.a, 1); eq(inst:has_changes(), false)
            data.custom.a = 2; eq(inst.custom.a, 1)  -- a copy, not the caller's table
            fails(function() CreatedInstance.from_existing({ subset = "x" }, ctx.creators.c) end, "no family")
            fails(function() CreatedInstance("render", "renderMain", {}, nil) end, "argument 'creator'")
            """)
    }

    // MARK: - Creators

    func testSubsetNameTemplates() {
        run("""
            local C = creator("C", { identifier = "c" })
            local ctx = context(path("w.json"), { C })
            local c = ctx.creators.c
            eq(c:get_subset_name("main", "comp", { name = "sh010" }, "proj", "rscript"), "renderMain")
            C.subset_template = "{family}_{VARIANT}_{variant}_{Task}_{asset}_{project}_{host}"
            eq(c:get_subset_name("main", "comp", { name = "sh010" }, "proj", "rscript"), "render_MAIN_main_Comp_sh010_proj_rscript")
            -- a task is needed only when the template asks for it
            C.subset_template = "{family}{Task}{Variant}"
            local err = fails(function() c:get_subset_name("main", nil, { name = "sh010" }, "proj", "rscript") end, "'task'")
            assert(create.is_creator_error(err), "a missing template key must be a CreatorError")
            C.subset_template = "{family}{Variant}"
            eq(c:get_subset_name("main", nil, { name = "sh010" }, "proj", "rscript"), "renderMain")
            -- get_dynamic_data extends the template's keys
            function C:get_dynamic_data(variant) return { layer = "bg" } end
            C.subset_template = "{family}{Layer}{Variant}"
            eq(c:get_subset_name("main", nil, { name = "sh010" }, "proj", "rscript"), "renderBgMain")
            -- and a missing task through CreateContext.create is a CreatorError, nothing stored
            C.subset_template = "{family}{Task}"
            local failed = fails(function() ctx:create("c", "Main", "sh010", nil, {}) end, "'task'")
            eq(failed.failures[1].creator_error, true); eq(failed.failures[1].traceback, nil)
            eq(#ctx.instances, 0); eq(#pipeline.list_instances(), 0)
            eq(ctx:create("c", "Main", "sh010", "comp", {})[1].subset, "renderComp")
            """)
    }

    func testDefaultVariantAndIdentifierDefaults() {
        run("""
            local Plain = Creator:extend("Plain"); Plain.family = "model"; function Plain:create() end
            local Auto = AutoCreator:extend("Auto"); Auto.family = "workfile"; function Auto:create() end
            local ctx = context(path("w.json"), { Plain, Auto })
            local plain = ctx.creators.model
            assert(plain, "the identifier defaults to the family")
            eq(plain.identifier, "model"); eq(ctx.creators.workfile.identifier, "workfile")
            eq(plain:get_default_variant(), "Main"); eq(ctx.creators.workfile:get_default_variant(), "Main")
            Plain.default_variants = { "Beauty", "Main" }
            eq(plain:get_default_variant(), "Beauty"); eq(plain:get_default_variants()[2], "Main")
            Plain.default_variant = "Shadow"; eq(plain:get_default_variant(), "Shadow")
            eq(plain:get_label(), "model"); Plain.label = "Model"; eq(plain:get_label(), "Model")
            -- an explicit identifier wins over the family
            local Named = creator("Named", { identifier = "render_layer" })
            local ctx2 = context(path("w2.json"), { Named })
            eq(ctx2.creators.render, nil); eq(ctx2.creators.render_layer.identifier, "render_layer")
            -- create() without a variant takes the default variant
            Named.default_variants = { "Beauty" }
            local inst = ctx2:create("render_layer", nil, "sh010", nil, {})[1]
            eq(inst.variant, "Beauty"); eq(inst.subset, "renderBeauty"); eq(inst.creator_identifier, "render_layer")
            """)
    }

    func testResetCollectsInOrderWithTiesInRegistrationOrderThenAutoCreators() {
        run("""
            local trail = {}
            local function tracking(name, order, base)
              local K = (base or Creator):extend(name); K.family = name:lower(); K.order = order
              function K:collect_instances() trail[#trail + 1] = "collect:" .. self.identifier; K.super.collect_instances(self) end
              return K
            end
            local Auto = tracking("Auto", 1, AutoCreator)
            function Auto:create()
              trail[#trail + 1] = "auto(" .. #self.create_context.instances .. ")"
              if #self.create_context:instances_of(self.identifier) == 0 then
                local inst = CreatedInstance(self.family, "autoMain", { asset = "sh010", variant = "Main" }, self)
                pipeline.imprint(inst.id, inst:data_to_store()); self:_add_instance_to_context(inst)
              end
            end
            local ctx = context(path("w.json"), { tracking("Late", 20), Auto, tracking("Tie1", 10), tracking("Tie2", 10), tracking("Tie3", 10) })
            ctx:reset()
            eq(table.concat(trail, " "), "collect:auto collect:tie1 collect:tie2 collect:tie3 collect:late auto(0)")
            eq(#ctx.instances, 1)
            ctx:create("late", "Main", "sh010", nil, {})
            trail = {}
            ctx:reset()  -- the auto-creator runs on every reset, after everything is collected
            eq(table.concat(trail, " "), "collect:auto collect:tie1 collect:tie2 collect:tie3 collect:late auto(2)")
            eq(#ctx.instances, 2); eq(#pipeline.list_instances(), 2)
            -- removing an auto-created instance does nothing
            local auto = ctx:instances_of("auto")[1]
            ctx:remove_instances({ auto })
            eq(#ctx.instances, 2); eq(#pipeline.list_instances(), 2); eq(ctx:get_instance_by_id(auto.id), auto)
            """)
    }

    func testDisabledCreatorsAreSkipped() {
        run("""
            local ran = {}
            local On = creator("On", { identifier = "on" }); function On:collect_instances() ran[#ran + 1] = "on" end
            local Off = creator("Off", { identifier = "off", enabled = false }); function Off:collect_instances() ran[#ran + 1] = "off" end
            local ctx = context(path("w.json"), { On, Off })
            ctx:reset()
            eq(table.concat(ran, " "), "on")
            """)
    }

    func testSaveChangesHandsEachCreatorOnlyItsChangedInstances() {
        run("""
            local got = {}
            local function recording(name)
              local K = creator(name, { identifier = name:lower() })
              function K:update_instances(update_list)
                for _, item in ipairs(update_list) do
                  local instance, changes = item[1], item[2]
                  assert(item.instance == instance and item.changes == changes)
                  got[#got + 1] = self.identifier .. ":" .. instance.subset .. ":" .. json.encode(changes)
                end
                K.super.update_instances(self, update_list)
              end
              return K
            end
            local ctx = context(path("w.json"), { recording("A"), recording("B"), recording("Idle") })
            ctx:create("a", "one", "sh010", nil, {}); ctx:create("a", "two", "sh010", nil, {}); ctx:create("b", "three", "sh010", nil, {})
            ctx:create("idle", "four", "sh010", nil, {})
            ctx:save_changes()
            eq(#got, 0)  -- nothing changed since creation
            ctx.instances[2].active = false
            ctx.instances[3].asset = "sh030"
            ctx:save_changes()
            eq(table.concat(got, " | "), 'a:renderTwo:{"active":[true,false]} | b:renderThree:{"asset":["sh010","sh030"]}')
            got = {}
            ctx:save_changes(); eq(#got, 0)  -- saved: no changes left
            eq(pipeline.get_instance(ctx.instances[2].id).active, false); eq(pipeline.get_instance(ctx.instances[3].id).asset, "sh030")
            """)
    }

    func testRemoveInstancesRemovesFromWorkfileAndContext() {
        run("""
            local ctx = context(path("w.json"), { creator("C", { identifier = "c" }), creator("D", { identifier = "d" }) })
            local one = ctx:create("c", "one", "sh010", nil, {})[1]
            local two = ctx:create("c", "two", "sh010", nil, {})[1]
            local three = ctx:create("d", "three", "sh010", nil, {})[1]
            ctx:remove_instances({ one, three })
            eq(#ctx.instances, 1); eq(ctx.instances[1], two)
            eq(ctx:get_instance_by_id(one.id), nil); eq(pipeline.get_instance(one.id), nil); eq(pipeline.get_instance(three.id), nil)
            eq(pipeline.get_instance(two.id).subset, "renderTwo")
            pipeline.close()
            local again = context(path("w.json"), { creator("C", { identifier = "c" }), creator("D", { identifier = "d" }) })
            again:reset(); eq(#again.instances, 1); eq(again.instances[1].id, two.id)
            """)
    }

    func testOneCreatorFailingNeverStopsTheOthers() {
        run("""
            local Fixable = creator("Fixable", { identifier = "fixable", order = 1 })
            function Fixable:collect_instances() error(CreatorError("Open the scene first.")) end
            local Broken = creator("Broken", { identifier = "broken", order = 2 })
            function Broken:collect_instances() local t = nil; return t.field end
            local Fine = creator("Fine", { identifier = "fine", order = 3 })
            local autoRan = 0
            local Auto = AutoCreator:extend("Auto"); Auto.family = "workfile"; function Auto:create() autoRan = autoRan + 1 end
            local ctx = context(path("w.json"), { Fixable, Broken, Fine, Auto })
            ctx:create("fine", "Main", "sh010", nil, {})
            local err = fails(function() ctx:reset() end, "reset failed for 2 creators")
            eq(getmetatable(err), create.CreatorsOperationFailed)
            eq(#err.failures, 2)
            local fixable, broken = err.failures[1], err.failures[2]
            eq(fixable.creator, "fixable"); eq(fixable.operation, "collect_instances"); eq(fixable.message, "Open the scene first.")
            eq(fixable.creator_error, true); eq(fixable.traceback, nil)
            eq(broken.creator, "broken"); eq(broken.creator_error, false)
            has(broken.message, "attempt to index a nil value"); has(broken.traceback, "stack traceback")
            has(err.message, "fixable (collect_instances): Open the scene first."); has(err.message, "broken (collect_instances)")
            lacks(err.message:match("fixable[^\\n]*\\n[^\\n]*"), "stack traceback")  -- no traceback under the CreatorError
            -- the others still ran: the fine creator collected, the auto-creator created
            eq(#ctx.instances, 1); eq(ctx.instances[1].creator_identifier, "fine"); eq(autoRan, 1)
            eq(#ctx.failures, 2)
            -- a failing update_instances does not keep another creator's changes from being saved
            local Fails = creator("Fails", { identifier = "fails", order = 1 })
            function Fails:update_instances() error("disk full") end
            local ctx2 = context(path("w2.json"), { Fails, creator("Works", { identifier = "works", order = 2 }) })
            local a = ctx2:create("fails", "a", "sh010", nil, {})[1]; local b = ctx2:create("works", "b", "sh010", nil, {})[1]
            a.asset = "x"; b.asset = "y"
            local saveErr = fails(function() ctx2:save_changes() end, "disk full")
            eq(#saveErr.failures, 1); eq(saveErr.failures[1].creator, "fails")
            eq(pipeline.get_instance(b.id).asset, "y"); eq(b:has_changes(), false)
            eq(pipeline.get_instance(a.id).asset, "sh010"); eq(a:has_changes(), true)  -- kept for the next save
            """)
    }

    func testDuplicateCreatorIdentifierFirstWinsWithAWarningNamingBothFiles() {
        run("""
            local First = creator("First", { identifier = "shared" }); local Second = creator("Second", { identifier = "shared" })
            local ctx = CreateContext{ creators = {}, publish_plugins = {}, on_warning = onWarning }
            ctx:register_creator(First, "/plugins/a/creators/first.lua")
            ctx:register_creator(Second, "/plugins/b/creators/second.lua")
            assert(ctx.creators.shared:is(First), "the first creator must win")
            eq(#ctx.creator_list, 1); eq(ctx:plugin_file("shared"), "/plugins/a/creators/first.lua")
            eq(#warnings, 1); eq(#ctx.warnings, 1)
            has(warnings[1], "'shared'"); has(warnings[1], "/plugins/a/creators/first.lua"); has(warnings[1], "/plugins/b/creators/second.lua")
            -- not a creator at all
            fails(function() ctx:register_creator({}, "x.lua") end, "not a creator class")
            local NoFamily = Creator:extend("NoFamily"); function NoFamily:create() end
            fails(function() ctx:register_creator(NoFamily, "x.lua") end, "no family")
            local NoCreate = AutoCreator:extend("NoCreate"); NoCreate.family = "x"
            fails(function() ctx:register_creator(NoCreate, "x.lua") end, "does not implement create")
            """)
    }

    func testDiscoveryReportsBrokenPluginFilesAndLoadsTheOthers() throws {
        let folder = path("plugins/creators")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
            local create = require("rscript.create")
            local ZzTestGood = create.Creator:extend("ZzTestGood")
            ZzTestGood.family = "zz_test_good"
            function ZzTestGood:create() end
            function registerCreators(manager) manager:registerCreator(ZzTestGood) end
            """.write(toFile: folder + "/zz_test_good.lua", atomically: true, encoding: .utf8)
        try "local x = = 1\n".write(toFile: folder + "/zz_test_broken.lua", atomically: true, encoding: .utf8)
        run("""
            local ctx = CreateContext{ creator_folders = { path("plugins") }, publish_plugins = {}, on_warning = onWarning }
            assert(ctx.creators.zz_test_good, "the good file was not registered")
            has(ctx:plugin_file("zz_test_good"), "zz_test_good.lua")
            local found
            for _, message in ipairs(ctx.plugin_errors) do if message:find("zz_test_broken.lua", 1, true) then found = message end end
            assert(found, "the broken file was not reported: " .. table.concat(ctx.plugin_errors, "; "))
            has(found, "zz_test_broken.lua:1:")
            """)
    }

    // MARK: - Workfile (rscript.pipeline)

    func testWorkfileWritesAreAtomic() throws {
        run("""
            local ctx = context(path("w.json"), { creator("C", { identifier = "c" }) })
            ctx:create("c", "one", "sh010", nil, {})
            """)
        let before = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path("w.json"))[.systemFileNumber] as? Int)
        let oldHandle = try XCTUnwrap(FileHandle(forReadingAtPath: path("w.json")))
        defer { try? oldHandle.close() }
        run("""
            local C = creator("C", { identifier = "c" })
            local ctx = context(path("w.json"), { C })
            ctx:reset(); ctx:create("c", "two", "sh010", nil, {})
            eq(#pipeline.list_instances(), 2)
            """)
        // a new file renamed over the old one: the old one, still open, is unchanged
        let after = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path("w.json"))[.systemFileNumber] as? Int)
        XCTAssertNotEqual(before, after, "the workfile was rewritten in place")
        let oldText = String(decoding: try XCTUnwrap(oldHandle.readToEnd()), as: UTF8.self)
        XCTAssertTrue(oldText.contains("renderOne") && !oldText.contains("renderTwo"), oldText)
        let newText = try String(contentsOfFile: path("w.json"), encoding: .utf8)
        XCTAssertTrue(newText.contains("renderOne") && newText.contains("renderTwo"), newText)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["w.json"], "temporary files left behind")
        let document = try JSONSerialization.jsonObject(with: Data(newText.utf8)) as? [String: Any]
        XCTAssertEqual(document?["schema"] as? String, "rscript.workfile")
        XCTAssertEqual(document?["schema_version"] as? Int, 1)
        XCTAssertEqual((document?["instances"] as? [String: Any])?.count, 2)
    }

    func testUnknownSchemaVersionIsAClearErrorAndTheFileIsUntouched() throws {
        let text = #"{"schema": "rscript.workfile", "schema_version": 7, "context": {}, "instances": {}}"#
        try text.write(toFile: path("future.json"), atomically: true, encoding: .utf8)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("future.json")))
        run("""
            local err = fails(function() context(path("future.json"), { creator("C", { identifier = "c" }) }) end, "schema version 7")
            has(err, "future.json"); has(err, "reads version 1")
            fails(function() pipeline.open(path("future.json")) end, "schema version 7")
            eq(pipeline.is_open(), false)
            """)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("future.json"))), bytes)
        // not a workfile at all
        try #"{"instances": {}}"#.write(toFile: path("other.json"), atomically: true, encoding: .utf8)
        run("""
            fails(function() pipeline.open(path("other.json")) end, "not an rscript workfile")
            """)
        XCTAssertEqual(try String(contentsOfFile: path("other.json"), encoding: .utf8), #"{"instances": {}}"#)
    }

    func testInvalidJSONIsAClearErrorAndTheFileIsUntouched() throws {
        let text = #"{"schema": "rscript.workfile", "schema_version": 1, "instances": {"#
        try text.write(toFile: path("broken.json"), atomically: true, encoding: .utf8)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("broken.json")))
        run("""
            local err = fails(function() context(path("broken.json"), { creator("C", { identifier = "c" }) }) end, "is not valid JSON")
            has(err, "broken.json")
            fails(function() pipeline.open(path("broken.json"), { create = true }) end, "is not valid JSON")
            fails(function() pipeline.open(path("missing.json")) end, "does not exist")
            """)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("broken.json"))), bytes)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("missing.json")))
    }

    func testDuplicateInstanceIdsGetANewIdWithAWarning() throws {
        let id = "11111111-2222-4333-8444-555555555555"
        func entry(_ subset: String) -> String {
            #"{"id": "pyblish.avalon.instance", "instance_id": "\#(id)", "family": "render", "subset": "\#(subset)", "creator_identifier": "c", "creator_attributes": {}, "publish_attributes": {}, "asset": "sh010", "task": null, "variant": "Main", "active": true}"#
        }
        // the same key twice (a copied entry pasted in place), and a copy under another key that sorts first
        let text = #"{"schema": "rscript.workfile", "schema_version": 1, "context": {}, "instances": {"\#(id)": \#(entry("renderA")), "\#(id)": \#(entry("renderB")), "0copy": \#(entry("renderC"))}}"#
        try text.write(toFile: path("dup.json"), atomically: true, encoding: .utf8)
        run("""
            local ctx = context(path("dup.json"), { creator("C", { identifier = "c" }) })
            ctx:reset()
            eq(#ctx.instances, 3)
            local ids, bySubset = {}, {}
            for _, inst in ipairs(ctx.instances) do ids[inst.id] = true; bySubset[inst.subset] = inst.id end
            eq(bySubset.renderA, "\(id)")  -- the entry stored under its own id keeps it
            assert(bySubset.renderB ~= "\(id)" and bySubset.renderC ~= "\(id)" and bySubset.renderB ~= bySubset.renderC, "ids not made unique")
            eq(#ctx.warnings, 2); eq(#warnings, 2)
            has(ctx.warnings[1], "same instance_id \(id)"); has(ctx.warnings[1], "dup.json")
            has(table.concat(ctx.warnings, " "), bySubset.renderB); has(table.concat(ctx.warnings, " "), bySubset.renderC)
            pipeline.close()
            -- the mend was written: the file now loads without warnings, with the same ids
            warnings = {}
            local again = context(path("dup.json"), { creator("C", { identifier = "c" }) }); again:reset()
            eq(#again.warnings, 0); eq(#warnings, 0); eq(#again.instances, 3)
            for _, inst in ipairs(again.instances) do assert(ids[inst.id], "id changed on reload: " .. inst.id); eq(bySubset[inst.subset], inst.id) end
            """)
    }

    func testReadOnlyNeverWrites() throws {
        run("""
            local ctx = context(path("w.json"), { creator("C", { identifier = "c" }) })
            ctx:create("c", "Main", "sh010", nil, {}); pipeline.close()
            """)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("w.json")))
        run("""
            local Auto = AutoCreator:extend("Auto"); Auto.family = "workfile"
            function Auto:create()
              if #self.create_context:instances_of("workfile") == 0 then
                local inst = CreatedInstance("workfile", "workfileMain", { asset = "sh010" }, self)
                pipeline.imprint(inst.id, inst:data_to_store()); self:_add_instance_to_context(inst)
              end
            end
            local ro = CreateContext{ workfile = path("w.json"), read_only = true, creators = { creator("C", { identifier = "c" }), Auto },
              publish_plugins = {}, on_warning = onWarning }
            ro:reset(); eq(#ro.instances, 2)  -- the auto-created instance lives in memory
            ro.instances[1].asset = "sh999"; ro:save_changes()
            ro:create("c", "Other", "sh010", nil, {})
            ro:remove_instances({ ro:instances_of("c")[1] })
            pipeline.imprint(rs.uuid(), { family = "render" }); pipeline.update_context_data({ asset = "x" }); pipeline.create_write()
            pipeline.save(); pipeline.close()
            """)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("w.json"))), bytes)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["w.json"])
    }

    func testBatchWritesOnce() {
        run("""
            local writes = 0
            local realWrite = fs.write
            fs.write = function(...) writes = writes + 1; return realWrite(...) end
            local C = creator("C", { identifier = "c" })
            local ctx = context(path("w.json"), { C })
            eq(writes, 0)  -- a new workfile is written at its first change
            pipeline.batch(function() for i = 1, 5 do pipeline.imprint("id" .. i, { family = "render" }) end end)
            eq(writes, 1)
            pipeline.imprint("id6", { family = "render" }); pipeline.imprint("id7", { family = "render" })
            eq(writes, 3)  -- outside a batch every change is written
            pipeline.batch(function() pipeline.batch(function() pipeline.remove_instance("id6") end); pipeline.remove_instance("id7") end)
            eq(writes, 4)  -- nested batches write once, at the outer end
            local ok = pcall(pipeline.batch, function() pipeline.remove_instance("id5"); error("stop") end)
            eq(ok, false); eq(writes, 5); eq(pipeline.get_instance("id5"), nil)  -- written even when the batch raised
            for i = 1, 5 do ctx:create("c", "v" .. i, "sh010", nil, {}) end
            eq(writes, 10)  -- one write per create
            for _, inst in ipairs(ctx.instances) do inst.asset = "sh020" end
            ctx:save_changes(); eq(writes, 11)  -- five changed instances, one write
            ctx:save_changes(); eq(writes, 11)  -- nothing changed: no write
            ctx:reset(); eq(writes, 11)
            fs.write = realWrite
            """)
    }

    // MARK: - Attribute values

    func testAttributeValueOutsideItsDefinitionFailsOnSaveAndIsNotSaved() {
        run("""
            local C = creator("C", { identifier = "c" })
            function C:get_instance_attr_defs()
              return { AD.NumberDef("frameEnd", { default = 24, minimum = 1, maximum = 100 }), AD.BoolDef("render_farm", { default = false }) }
            end
            local ctx = context(path("w.json"), { C })
            local bad = ctx:create("c", "bad", "sh010", nil, {})[1]
            local good = ctx:create("c", "good", "sh010", nil, {})[1]
            bad.creator_attributes.frameEnd = 1000; bad.asset = "sh020"
            good.asset = "sh030"
            local err = fails(function() ctx:save_changes() end, "frameEnd")
            has(err.message, "renderBad"); eq(#err.failures, 1); eq(err.failures[1].creator, "c"); eq(err.failures[1].creator_error, true)
            -- nothing of the bad instance is saved, the good one is
            eq(pipeline.get_instance(bad.id).creator_attributes.frameEnd, 24); eq(pipeline.get_instance(bad.id).asset, "sh010")
            eq(bad:has_changes(), true)
            eq(pipeline.get_instance(good.id).asset, "sh030"); eq(good:has_changes(), false)
            -- a key that has no definition, a value of the wrong type
            bad.creator_attributes.frameEnd = 50; bad.creator_attributes.bogus = 1
            fails(function() ctx:save_changes() end, "'bogus'")
            bad.creator_attributes.bogus = nil; bad.creator_attributes.render_farm = "yes please"
            fails(function() ctx:save_changes() end, "render_farm")
            bad.creator_attributes.render_farm = true
            ctx:save_changes()
            eq(pipeline.get_instance(bad.id).creator_attributes.frameEnd, 50); eq(bad:has_changes(), false)
            """)
    }

    func testPreCreateDataIsCheckedAgainstItsDefinitions() {
        run("""
            local seen
            local P = creator("P", { identifier = "p" })
            function P:get_pre_create_attr_defs()
              return { AD.BoolDef("use_selection", { default = false }), AD.NumberDef("count", { default = 1, minimum = 1, maximum = 4 }) }
            end
            function P:create(subset_name, instance_data, pre_create_data)
              seen = pre_create_data
              return P.super.create(self, subset_name, instance_data, pre_create_data)
            end
            local ctx = context(path("w.json"), { P })
            local err = fails(function() ctx:create("p", "Main", "sh010", nil, { bogus = true }) end, "'bogus'")
            eq(err.failures[1].creator_error, true); eq(err.failures[1].traceback, nil); has(err.message, "use_selection")
            err = fails(function() ctx:create("p", "Main", "sh010", nil, { use_selection = "maybe" }) end, "use_selection")
            eq(err.failures[1].creator_error, true)
            fails(function() ctx:create("p", "Main", "sh010", nil, { count = 9 }) end, "count")
            eq(seen, nil); eq(#ctx.instances, 0); eq(#pipeline.list_instances(), 0)
            -- valid values reach create, with the defaults filled in
            ctx:create("p", "Main", "sh010", nil, { count = 2 })
            eq(seen.count, 2); eq(seen.use_selection, false); eq(#ctx.instances, 1)
            fails(function() ctx:create("nope", "Main", "sh010", nil, {}) end, "no creator 'nope'")
            """)
    }

    // MARK: - The seed's example creator, as ported

    func testSeedRenderLayerCreatorPortsAsWritten() {
        run("""
            local ctx = CreateContext{ workfile = path("w.json"), create_workfile = true, publish_plugins = {},
              creator_folders = { "\(Self.repositoryRoot)/scripts/plugins" }, selection = { "a.pov", "b.pov" }, on_warning = onWarning }
            local result = { errors = ctx.plugin_errors }
            local layer = ctx.creators.render_layer
            assert(layer, "render_layer not registered: " .. table.concat(result.errors, "; "))
            -- two selected items: the seed's CreatorError, without a traceback
            local err = fails(function() ctx:create("render_layer", "Main", "sh010", "lighting", { use_selection = true }) end, "Please select only single item at time.")
            eq(err.failures[1].traceback, nil)
            pipeline.set_selection({})
            fails(function() ctx:create("render_layer", "Main", "sh010", "lighting", { use_selection = true }) end, "Nothing to create. Select at least one item.")
            -- no selection: a write item is made; render_farm passes to the instance
            local inst = ctx:create("render_layer", "Main", "sh010", "lighting", { render_farm = true })[1]
            eq(inst.scene, "write1"); eq(inst.creator_attributes.render_farm, true); eq(inst.subset, "renderMain")
            eq(pipeline.get_instance(inst.id).creator_attributes.render_farm, true)
            """)
    }
}
