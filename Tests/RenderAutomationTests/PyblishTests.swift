import LuaBridge
import RenderAutomation
import XCTest

/// `rscript.pyblish` (scripts/lib/rscript/pyblish/), found through the runtime's library folder.
final class PyblishTests: LuaModuleTestCase {

    /// `eq`, `has` (plain substring), and `trail`: a list the plugins append to, read by `trailText()`.
    override class var prelude: String { """
        local pyblish = require("rscript.pyblish"); \
        local function eq(a, b) if a ~= b then error(string.format("expected %q, got %q", tostring(b), tostring(a)), 2) end end; \
        local function has(text, part) if not tostring(text):find(part, 1, true) then error(string.format("%q does not contain %q", tostring(text), part), 2) end end; \
        local trail = {}; local function trailText() return table.concat(trail, " ") end; \
        local function plugin(base, name, order, fields) \
          local P = pyblish[base]:extend(name); P.order = order; \
          for k, v in pairs(fields or {}) do P[k] = v end; \
          if not rawget(P, "process") then \
            function P:process(x) trail[#trail + 1] = name .. (x.name and x.name ~= "Context" and ("@" .. x.name) or "") end \
          end; \
          return P \
        end;

        """ }

    func testOrderConstantsAndDefaults() {
        run("""
            eq(pyblish.CollectorOrder, 0); eq(pyblish.ValidatorOrder, 1); eq(pyblish.ExtractorOrder, 2); eq(pyblish.IntegratorOrder, 3)
            eq(pyblish.api.InstancePlugin, pyblish.InstancePlugin)
            local P = pyblish.InstancePlugin:extend("ValidateThing")
            eq(P.name, "ValidateThing"); eq(P.families[1], "*"); eq(P.hosts[1], "*"); eq(P.targets[1], "default")
            eq(P.active, true); eq(P.optional, false); eq(pyblish.plugin_label(P), "ValidateThing")
            P.label = "Validate Thing"; eq(pyblish.plugin_label(P), "Validate Thing"); eq(tostring(P()), "Validate Thing")
            assert(pyblish.is_plugin_class(P) and not pyblish.is_plugin_class(P()) and not pyblish.is_plugin_class(pyblish.InstancePlugin))
            assert(not pyblish.is_plugin_class({}) and not pyblish.is_plugin_class(42))
            """)
    }

    func testPluginsRunSortedByOrderAndTiesKeepTheirPlace() {
        run("""
            local plugins = {
              plugin("InstancePlugin", "Integrate", pyblish.IntegratorOrder),
              plugin("ContextPlugin", "CollectLate", pyblish.CollectorOrder + 0.1),
              plugin("InstancePlugin", "ValidateB", pyblish.ValidatorOrder),
              plugin("ContextPlugin", "CollectEarly", pyblish.CollectorOrder - 0.5),
              plugin("InstancePlugin", "ValidateA", pyblish.ValidatorOrder),
              plugin("InstancePlugin", "Extract", pyblish.ExtractorOrder),
              plugin("InstancePlugin", "ValidateC", pyblish.ValidatorOrder),
            }
            local report = pyblish.publish{ plugins = plugins, instances = { { subset = "modelMain", family = "model" } } }
            eq(report.success, true); eq(report.stage, nil)
            eq(trailText(), "CollectEarly CollectLate ValidateB@modelMain ValidateA@modelMain ValidateC@modelMain Extract@modelMain Integrate@modelMain")
            local orders = {}
            for _, r in ipairs(report.records) do orders[#orders + 1] = r.plugin .. "=" .. r.order end
            eq(table.concat(orders, ","), "CollectEarly=-0.5,CollectLate=0.1,ValidateB=1,ValidateA=1,ValidateC=1,Extract=2,Integrate=3")
            eq(report.records[1].instance, nil); eq(report.records[3].instance, "modelMain")
            local names = {}
            for _, P in ipairs(pyblish.sort_plugins(plugins)) do names[#names + 1] = P.name end
            eq(table.concat(names, ","), "CollectEarly,CollectLate,ValidateB,ValidateA,ValidateC,Extract,Integrate")
            """)
    }

    func testFamiliesMatchFamilyDataFamiliesAndStar() {
        run("""
            local instances = {
              { subset = "renderMain", family = "render", families = { "review" }, instance_id = "r1" },
              { subset = "modelMain", family = "model", instance_id = "m1" },
              { subset = "workfileMain", family = "workfile", families = "publishable" },
            }
            local plugins = {
              plugin("InstancePlugin", "All", 1),
              plugin("InstancePlugin", "Review", 1, { families = { "review" } }),
              plugin("InstancePlugin", "ModelOrRender", 1, { families = { "model", "render" } }),
              plugin("InstancePlugin", "Publishable", 1, { families = { "publishable" } }),
              plugin("InstancePlugin", "Nothing", 1, { families = { "camera" } }),
              plugin("ContextPlugin", "CtxCamera", 1, { families = { "camera" } }),
              plugin("ContextPlugin", "CtxModel", 1, { families = { "model" } }),
            }
            local report = pyblish.publish{ plugins = plugins, instances = instances }
            eq(trailText(), "All@renderMain All@modelMain All@workfileMain Review@renderMain ModelOrRender@renderMain ModelOrRender@modelMain Publishable@workfileMain CtxModel")
            eq(report.records[1].instance_id, "r1")
            -- helpers
            assert(pyblish.plugin_matches_family(plugins[2], { "render", "review" }))
            assert(not pyblish.plugin_matches_family(plugins[2], "render"))
            assert(pyblish.plugin_matches_family(plugins[1], {}))
            assert(pyblish.plugin_matches_instance(plugins[2], instances[1]))
            eq(table.concat(pyblish.instance_families(instances[1]), ","), "render,review")
            -- the runner's Instance objects: name, data, context, families
            local ctx = report.context
            eq(#ctx, 3); eq(ctx[1].name, "renderMain"); eq(ctx[1].data, instances[1]); eq(ctx[1].context, ctx)
            eq(ctx[1].id, "r1"); eq(ctx[1].data.name, "renderMain"); eq(ctx[1].data.label, "renderMain")
            eq(ctx[3].data.families[1], "publishable"); eq(table.concat(ctx[3]:families(), ","), "workfile,publishable")
            """)
    }

    func testFamiliesAddedByCollectorsAreSeenLater() {
        run("""
            local Collect = pyblish.ContextPlugin:extend("CollectReview")
            Collect.order = pyblish.CollectorOrder
            function Collect:process(context)
              for _, instance in ipairs(context) do table.insert(instance.data.families, "review") end
              context:create_instance("extra", { family = "review" })
            end
            local Review = plugin("InstancePlugin", "ExtractReview", 2, { families = { "review" } })
            local report = pyblish.publish{ plugins = { Review, Collect }, instances = { { subset = "a", family = "render" } } }
            eq(trailText(), "ExtractReview@a ExtractReview@extra"); eq(#report.context, 2)
            """)
    }

    func testInactiveInstancesDoNotPublish() {
        run("""
            local seen = {}
            local Count = pyblish.ContextPlugin:extend("Count")
            Count.order = 0
            function Count:process(context) seen[1] = #context end
            local report = pyblish.publish{ plugins = { Count, plugin("InstancePlugin", "Extract", 2) }, instances = {
              { subset = "on", family = "render" },
              { subset = "off", family = "render", active = false },
              { subset = "alsoOff", family = "render", publish = false },
            } }
            eq(trailText(), "Extract@on"); eq(seen[1], 1)
            eq(table.concat(report.inactive_instances, ","), "off,alsoOff")
            has(pyblish.format_report(report), "off (inactive, not published)")
            -- an instance a collector turns off is not processed by the later plugins
            trail = {}
            local TurnOff = pyblish.InstancePlugin:extend("TurnOff"); TurnOff.order = 0
            function TurnOff:process(instance) if instance.name == "b" then instance.data.publish = false end end
            pyblish.publish{ plugins = { TurnOff, plugin("InstancePlugin", "Later", 1) }, instances = { { subset = "a" }, { subset = "b" } } }
            eq(trailText(), "Later@a")
            """)
    }

    func testInactivePluginsAndHostsAndTargets() {
        run("""
            local plugins = {
              plugin("ContextPlugin", "Off", 0, { active = false }),
              plugin("ContextPlugin", "OtherHost", 0, { hosts = { "maya" } }),
              plugin("ContextPlugin", "ThisHost", 0, { hosts = { "maya", "rscript" } }),
              plugin("ContextPlugin", "FarmOnly", 0, { targets = { "farm" } }),
              plugin("ContextPlugin", "Anywhere", 0, { targets = { "*" } }),
              plugin("ContextPlugin", "Default", 0),
            }
            pyblish.publish{ plugins = plugins, instances = {} }
            eq(trailText(), "ThisHost Anywhere Default")
            trail = {}
            pyblish.publish{ plugins = plugins, instances = {}, host = "maya" }
            eq(trailText(), "OtherHost ThisHost Anywhere Default")
            trail = {}
            pyblish.publish{ plugins = plugins, instances = {}, targets = { "farm" } }
            eq(trailText(), "FarmOnly Anywhere")
            trail = {}
            pyblish.publish{ plugins = plugins, instances = {}, targets = { "farm", "default" } }
            eq(trailText(), "ThisHost FarmOnly Anywhere Default")
            assert(pyblish.plugin_matches_host(plugins[2], "maya") and not pyblish.plugin_matches_host(plugins[2], "rscript"))
            assert(pyblish.plugin_matches_targets(plugins[5], { "anything" }) and not pyblish.plugin_matches_targets(plugins[4], { "default" }))
            """)
    }

    func testOptionalPluginDisabledThroughPublishAttributes() {
        run("""
            local Optional = plugin("InstancePlugin", "ValidateOptional", 1, { optional = true })
            local OffByDefault = plugin("InstancePlugin", "ExtractExtra", 2, { optional = true, active = false })
            local NotOptional = plugin("InstancePlugin", "ValidateAlways", 1)
            local report = pyblish.publish{ plugins = { Optional, OffByDefault, NotOptional }, instances = {
              { subset = "a", publish_attributes = { ValidateOptional = { active = false }, ValidateAlways = { active = false } } },
              { subset = "b", publish_attributes = { ExtractExtra = { active = true } } },
              { subset = "c" },
            } }
            eq(trailText(), "ValidateOptional@b ValidateOptional@c ValidateAlways@a ValidateAlways@b ValidateAlways@c ExtractExtra@b")
            eq(report.success, true)
            local skipped = {}
            for _, r in ipairs(report.records) do if r.skipped then skipped[#skipped + 1] = r.plugin .. "@" .. r.instance end end
            eq(table.concat(skipped, " "), "ValidateOptional@a ExtractExtra@a ExtractExtra@c")
            eq(report.records[1].success, true)
            has(pyblish.format_report(report), "(skipped: disabled in publish attributes)")
            -- an optional context plugin reads the context data's publish_attributes
            trail = {}
            local Ctx = plugin("ContextPlugin", "CollectOptional", 0, { optional = true })
            pyblish.publish{ plugins = { Ctx }, context_data = { publish_attributes = { CollectOptional = { active = false } } } }
            eq(trailText(), "")
            eq(pyblish.is_plugin_enabled(Optional, { publish_attributes = { ValidateOptional = { active = false } } }), false)
            eq(Optional():is_active({}), true); eq(OffByDefault():is_active({}), false)
            """)
    }

    func testValidationErrorsAreCollectedThenTheRunStopsBeforeExtraction() {
        run("""
            local ValidateRange = pyblish.InstancePlugin:extend("ValidateFrameRange")
            ValidateRange.order = pyblish.ValidatorOrder
            ValidateRange.label = "Validate Frame Range"
            function ValidateRange:process(instance)
              trail[#trail + 1] = "range@" .. instance.name
              if instance.data.frameStart > instance.data.frameEnd then
                error(pyblish.PublishValidationError(
                  string.format("frameStart %d > frameEnd %d", instance.data.frameStart, instance.data.frameEnd),
                  "Invalid frame range", "The start frame must not be after the end frame."))
              end
            end
            local ValidateName = pyblish.InstancePlugin:extend("ValidateName")
            ValidateName.order = pyblish.ValidatorOrder + 0.1
            function ValidateName:process(instance)
              trail[#trail + 1] = "name@" .. instance.name
              if instance.name:find(" ") then error(pyblish.PublishValidationError("name has a space")) end
            end
            local records = {}
            local report = pyblish.publish{
              plugins = { plugin("InstancePlugin", "Extract", pyblish.ExtractorOrder), ValidateName, ValidateRange,
                          plugin("ContextPlugin", "LateValidation", 1.4) },
              instances = { { subset = "bad one", frameStart = 10, frameEnd = 1 }, { subset = "good", frameStart = 1, frameEnd = 5 },
                            { subset = "bad2", frameStart = 3, frameEnd = 2 } },
              on_record = function(record) records[#records + 1] = record end,
            }
            eq(trailText(), "range@bad one range@good range@bad2 name@bad one name@good name@bad2 LateValidation")
            eq(report.success, false); eq(report.stage, "validation"); eq(report.error, nil)
            eq(#report.validation_errors, 3); eq(#records, #report.records); eq(records[1], report.records[1])
            local first = report.validation_errors[1]
            eq(first.plugin, "ValidateFrameRange"); eq(first.instance, "bad one"); eq(first.title, "Invalid frame range")
            eq(first.message, "frameStart 10 > frameEnd 1"); eq(first.description, "The start frame must not be after the end frame.")
            local third = report.validation_errors[3]
            eq(third.plugin, "ValidateName"); eq(third.title, "ValidateName"); eq(third.description, "name has a space")
            local r = report.records[1]
            eq(r.success, false); eq(r.error.kind, "validation"); eq(r.error.title, "Invalid frame range"); eq(r.error.traceback, nil)
            eq(report.records[2].success, true); eq(report.records[2].error, nil)
            local text = pyblish.format_report(report)
            has(text, "Validation errors (3):"); has(text, "Invalid frame range [bad one, Validate Frame Range]")
            has(text, "The start frame must not be after the end frame."); has(text, "✘ Validate Frame Range (ValidateFrameRange)")
            has(text, "✔ good"); has(text, "Publish failed validation"); has(text, "3 errors from 2 validators; stopped before extraction")
            assert(not text:find("Extract@"), text)
            """)
    }

    func testValidationErrorAfterTheValidationStageStopsAtOnce() {
        run("""
            local Extract = pyblish.InstancePlugin:extend("ExtractFails"); Extract.order = 2
            function Extract:process(instance) trail[#trail + 1] = instance.name; error(pyblish.PublishValidationError("late", "Too late")) end
            local report = pyblish.publish{ plugins = { Extract, plugin("InstancePlugin", "Integrate", 3) }, instances = { { subset = "a" }, { subset = "b" } } }
            eq(trailText(), "a"); eq(report.stage, "error"); eq(#report.validation_errors, 0)
            eq(report.error.kind, "validation"); eq(report.error.plugin, "ExtractFails"); eq(report.error.instance, "a")
            """)
    }

    func testPlainErrorStopsAtOnceWithANeutralMessageAndTheTraceback() {
        run("""
            local Collect = pyblish.ContextPlugin:extend("CollectBroken"); Collect.order = 0
            local function helper(context) local missing = nil; return missing.field end
            function Collect:process(context)
              self.log:info("about to fail")
              helper(context)
            end
            local report = pyblish.publish{ plugins = { Collect, plugin("InstancePlugin", "ValidateX", 1), plugin("ContextPlugin", "AlsoCollect", 0) },
              instances = { { subset = "a" } } }
            eq(trailText(), ""); eq(report.success, false); eq(report.stage, "error"); eq(#report.records, 1)
            local r = report.records[1]
            eq(r.success, false); eq(r.error.kind, "error"); eq(r.error.message, pyblish.NEUTRAL_MESSAGE)
            has(r.error.message, "An error happened during publishing")
            has(r.error.detail, "attempt to index a nil value (local 'missing')")
            has(r.error.traceback, "stack traceback:"); has(r.error.traceback, "in upvalue 'helper'"); has(r.error.traceback, "in method 'process'")
            eq(r.log[1].message, "about to fail")
            eq(report.error.plugin, "CollectBroken"); eq(report.error.detail, r.error.detail)
            local text = pyblish.format_report(report)
            has(text, "Publish stopped after"); has(text, "by an error in CollectBroken: An error happened during publishing")
            has(text, "attempt to index a nil value"); has(text, "stack traceback:")
            -- error objects that are not publish errors, and error() with a string
            trail = {}
            local Obj = pyblish.ContextPlugin:extend("RaisesTable"); Obj.order = 0
            function Obj:process() error(setmetatable({}, { __tostring = function() return "custom object" end })) end
            local r2 = pyblish.publish{ plugins = { Obj } }.records[1]
            eq(r2.error.kind, "error"); eq(r2.error.detail, "custom object")
            local Str = pyblish.ContextPlugin:extend("RaisesString"); Str.order = 0
            function Str:process() error("disk full") end
            local r3 = pyblish.publish{ plugins = { Str } }.records[1]
            has(r3.error.detail, "disk full"); has(r3.error.detail, "test:")
            """)
    }

    func testKnownPublishErrorShowsItsMessageWithoutTraceback() {
        run("""
            local Integrate = pyblish.InstancePlugin:extend("IntegrateFarm"); Integrate.order = pyblish.IntegratorOrder
            function Integrate:process(instance) error(pyblish.KnownPublishError("The render farm does not answer.")) end
            local Validate = pyblish.InstancePlugin:extend("ValidateKnown"); Validate.order = 1
            local report = pyblish.publish{ plugins = { Integrate, plugin("InstancePlugin", "After", 3.5) }, instances = { { subset = "a" }, { subset = "b" } } }
            eq(trailText(), ""); eq(report.stage, "error"); eq(#report.records, 1)
            local e = report.records[1].error
            eq(e.kind, "known"); eq(e.message, "The render farm does not answer."); eq(e.traceback, nil)
            has(pyblish.format_report(report), "by an error in IntegrateFarm on a: The render farm does not answer.")
            -- a KnownPublishError during validation stops at once too
            local Known = pyblish.InstancePlugin:extend("ValidateKnownError"); Known.order = 1
            function Known:process() error(pyblish.KnownPublishError("no license")) end
            local r2 = pyblish.publish{ plugins = { Known, plugin("InstancePlugin", "ValidateMore", 1.1) }, instances = { { subset = "a" } } }
            eq(r2.stage, "error"); eq(trailText(), "")
            -- error objects
            local v = pyblish.PublishValidationError("msg", "Title", "Desc")
            eq(tostring(v), "msg"); eq(v.title, "Title"); eq(v.description, "Desc")
            assert(pyblish.is_error(v, pyblish.PublishValidationError) and pyblish.is_error(v, pyblish.PublishError))
            assert(not pyblish.is_error(v, pyblish.KnownPublishError) and pyblish.is_error(pyblish.KnownPublishError("x")))
            assert(not pyblish.is_error("msg") and not pyblish.is_error({}) and not pyblish.is_error(pyblish.PublishValidationError))
            eq(pyblish.error_kind(v), "validation"); eq(pyblish.error_kind(pyblish.KnownPublishError("x")), "known"); eq(pyblish.error_kind("x"), "error")
            local t = pyblish.PublishValidationError{ message = "m", title = "T" }; eq(t.message, "m"); eq(t.title, "T")
            local ok, caught = pcall(error, pyblish.KnownPublishError("thrown")); eq(ok, false); eq(tostring(caught), "thrown")
            """)
        expectError("pyblish.PublishValidationError(nil)", "PublishValidationError: argument 'message' must be a string, got nil")
        expectError("pyblish.KnownPublishError('m', {})", "KnownPublishError: argument 'title' must be a string, got table")
    }

    func testRecordsHaveDurationsAndLogLines() {
        run("""
            local time = require("rscript.time")
            local Slow = pyblish.InstancePlugin:extend("ExtractSlow"); Slow.order = 2; Slow.label = "Extract Slow"
            function Slow:process(instance)
              self.log:debug("frame %d of %d", 1, 2)
              self.log.info("plain call style")
              self.log:warning("careful")
              self.log:error("not fatal")
              time.sleep(0.02)
            end
            local lines = {}
            local report = pyblish.publish{ plugins = { Slow }, instances = { { subset = "a", instance_id = "id-a" } },
              on_log = function(entry, record) lines[#lines + 1] = record.plugin .. ":" .. entry.level end }
            local r = report.records[1]
            eq(r.plugin, "ExtractSlow"); eq(r.label, "Extract Slow"); eq(r.order, 2); eq(r.instance, "a"); eq(r.instance_id, "id-a")
            eq(r.type, "instance"); eq(r.success, true)
            assert(r.duration >= 0.02 and r.duration < 5, r.duration)
            assert(report.duration >= r.duration)
            eq(#r.log, 4)
            eq(r.log[1].level, "debug"); eq(r.log[1].message, "frame 1 of 2")
            eq(r.log[2].level, "info"); eq(r.log[2].message, "plain call style")
            eq(r.log[3].level, "warning"); eq(r.log[4].level, "error")
            eq(table.concat(lines, ","), "ExtractSlow:debug,ExtractSlow:info,ExtractSlow:warning,ExtractSlow:error")
            local text = pyblish.format_report(report)
            has(text, "✔ Extract Slow (ExtractSlow) [order 2]"); has(text, "info: plain call style"); has(text, "warning: careful")
            assert(not text:find("frame 1 of 2", 1, true), "debug lines are hidden by default")
            has(pyblish.format_report(report, { log_level = "debug" }), "debug: frame 1 of 2")
            local ascii = pyblish.format_report(report, { ascii = true })
            has(ascii, "OK Extract Slow"); has(ascii, "Publish succeeded")
            """)
    }

    func testProcessCanWaitAndOtherTasksRunMeanwhile() {
        run("""
            local time = require("rscript.time")
            local task = require("rscript.task")
            local ticks = 0
            local ticker = task.spawn(function() for _ = 1, 3 do ticks = ticks + 1; time.sleep(0.005) end end)
            local Wait = pyblish.InstancePlugin:extend("ExtractWaits"); Wait.order = 2
            function Wait:process(instance)
              time.sleep(0.01)
              local ok = pcall(time.sleep, 0.01)  -- a wait inside a pcall inside process
              assert(ok)
              instance.data.ticks_seen = ticks
            end
            local report = pyblish.publish{ plugins = { Wait }, instances = { { subset = "a" }, { subset = "b" } } }
            eq(report.success, true)
            assert(report.context[1].data.ticks_seen > 0, "the ticker task ran while process() waited")
            ticker:wait()
            """)
    }

    func testReportToJSONIsPlainData() {
        run("""
            local json = require("rscript.json")
            local Fail = pyblish.InstancePlugin:extend("ValidateFails"); Fail.order = 1
            function Fail:process(instance) self.log:info("checking"); error(pyblish.PublishValidationError("bad", "Bad", "Very bad")) end
            local report = pyblish.publish{ plugins = { Fail }, instances = { { subset = "a", task = null, callback = function() end } },
              context_data = { project = "p" } }
            local data = pyblish.report_to_json(report)
            local text = json.encode(data, { sort_keys = true })
            local back = json.decode(text)
            eq(back.success, false); eq(back.stage, "validation"); eq(back.records[1].plugin, "ValidateFails")
            eq(back.records[1].error.title, "Bad"); eq(back.records[1].log[1].message, "checking")
            eq(back.validation_errors[1].description, "Very bad"); eq(back.context.data.project, "p")
            eq(back.context.instances[1].name, "a"); eq(back.context.instances[1].data.task, null)
            eq(back.context.instances[1].data.callback, nil)
            """)
    }

    func testArgumentsAreChecked() {
        expectError("pyblish.publish()", "pyblish.publish: argument must be a table of options, got nil")
        expectError("pyblish.publish{ plugins = { {} } }", "pyblish.publish: plugins[1] must be a ContextPlugin or InstancePlugin subclass, got table")
        expectError("local P = pyblish.InstancePlugin:extend('P'); pyblish.publish{ plugins = { P() } }", "plugins[1] must be a ContextPlugin or InstancePlugin subclass, got an instance of P")
        expectError("local P = pyblish.InstancePlugin:extend('P'); P.order = 'x'; pyblish.publish{ plugins = { P } }", "plugin 'P' has an order of type string")
        expectError("pyblish.publish{ plugins = {}, instances = { 5 } }", "pyblish.publish: instances[1] must be a table of instance data, got number")
        expectError("pyblish.publish{ plugins = {}, target = {} }", "pyblish.publish: unknown option 'target'")
        expectError("pyblish.publish{ plugins = {}, targets = { 1 } }", "pyblish.publish: 'targets[1]' must be a string, got number")
    }

    func testAttributeDefinitions() throws {
        let path = Self.repositoryRoot + "/scripts/lib/rscript/attribute_definitions/init.lua"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "rscript.attribute_definitions is not there yet")
        run("""
            local AD = require("rscript.attribute_definitions")
            local Plain = pyblish.InstancePlugin:extend("ValidatePlain"); Plain.order = 1
            eq(#pyblish.attribute_defs_for(Plain), 0)
            local Optional = pyblish.InstancePlugin:extend("ValidateOptional"); Optional.order = 1; Optional.optional = true
            Optional.label = "Validate Optional"; Optional.families = { "render" }
            function Optional:get_attribute_defs()
              return { AD.NumberDef("tolerance", { default = 2, minimum = 0, maximum = 10 }) }
            end
            local defs = pyblish.attribute_defs_for(Optional)
            eq(#defs, 2); eq(defs[1].key, "active"); eq(defs[1].type, "boolean"); eq(defs[1].default, true)
            eq(defs[1].label, "Validate Optional"); eq(defs[2].key, "tolerance")
            Optional.active = false
            eq(pyblish.attribute_defs_for(Optional)[1].default, false)
            Optional.active = true
            -- offered only on matching instances; context plugins on the context
            eq(#pyblish.attribute_defs_for_instance(Optional, { family = "render" }), 2)
            eq(#pyblish.attribute_defs_for_instance(Optional, { family = "model" }), 0)
            eq(#pyblish.attribute_defs_for_context(Optional), 0)
            -- convert_attribute_values: defaults for missing keys, legacy keys kept
            local values = Optional:convert_attribute_values({ legacy = "x" })
            eq(values.active, true); eq(values.tolerance, 2); eq(values.legacy, "x")
            local stored = pyblish.get_attr_values_from_data(Optional, { publish_attributes = { ValidateOptional = { tolerance = 5 } } })
            eq(stored.tolerance, 5); eq(stored.active, true)
            -- a plugin overriding convert_attribute_values
            local Renamed = pyblish.InstancePlugin:extend("ValidateRenamed"); Renamed.order = 1
            function Renamed:convert_attribute_values(values)
              values = pyblish.InstancePlugin.convert_attribute_values(self, values)
              if values.old_key ~= nil then values.new_key = values.old_key; values.old_key = nil end
              return values
            end
            eq(Renamed:convert_attribute_values({ old_key = 1 }).new_key, 1)
            -- inside process: get_attr_values_from_data on the plugin object
            local seen
            function Optional:process(instance) seen = self:get_attr_values_from_data(instance.data).tolerance end
            pyblish.publish{ plugins = { Optional }, instances = { { subset = "a", family = "render", publish_attributes = { ValidateOptional = { tolerance = 7 } } } } }
            eq(seen, 7)
            """)
    }

    func testExampleRuns() {
        let outcome = runtime.runFile(Self.repositoryRoot + "/scripts/examples/pyblish_example.lua", arguments: [])
        XCTAssertEqual(outcome, .success)
    }
}
