import LuaBridge
import RenderAutomation
import XCTest

/// `rscript.attribute_definitions` (scripts/lib/rscript/attribute_definitions/, one file per kind), found
/// through the runtime's library folder.
final class AttributeDefinitionsTests: LuaModuleTestCase {

    // One line, so that line numbers in messages are those of the test code.
    override class var prelude: String { """
        local AD = require("rscript.attribute_definitions"); local json = require("rscript.json"); \
        local function eq(a, b) if a ~= b then error(string.format("expected %q, got %q", tostring(b), tostring(a)), 2) end end; \
        local function same(a, b) local ja, jb = json.encode(a, {sort_keys = true}), json.encode(b, {sort_keys = true}); if ja ~= jb then error("expected " .. jb .. ", got " .. ja, 2) end end; \
        local function fails(expected, f, ...) local ok, err = pcall(f, ...); if ok then error("no error; expected " .. expected, 2) end; if not tostring(err):find(expected, 1, true) then error("error " .. tostring(err) .. " does not contain " .. expected, 2) end end; 
        """ }

    func testCommonFieldsAndBothCallForms() {
        run("""
            local a = AD.BoolDef("render_farm", {default = true, label = "Render on Farm", tooltip = "Send to the farm"})
            eq(a.key, "render_farm"); eq(a.type, "boolean"); eq(a.default, true); eq(a.label, "Render on Farm")
            eq(a.tooltip, "Send to the farm"); eq(a.is_value_def, true); eq(a.visible, true); eq(a.hidden, false)
            eq(a.enabled, true); eq(a.disabled, false); eq(a.is_label_horizontal, true); eq(type(a.id), "string")
            local b = AD.BoolDef{key = "render_farm", default = true}
            eq(b.key, "render_farm"); eq(b.default, true); eq(a == b, true)  -- label and tooltip are not compared
            eq(AD.BoolDef("x").default, false)
            local hidden = AD.BoolDef("x", {hidden = true, disabled = true})
            eq(hidden.visible, false); eq(hidden.hidden, true); eq(hidden.enabled, false); eq(hidden.disabled, true)
            eq(tostring(a), "BoolDef('render_farm')")
            eq(a:is(AD.AbstractAttrDef), true); eq(AD.is_attr_def(a), true); eq(AD.is_attr_def({}), false)
            """)
    }

    func testArgumentErrorsNameTheFunctionAndTheArgument() {
        run("""
            fails("BoolDef: argument 'key' must be a non-empty string, got number", AD.BoolDef, 5)
            fails("BoolDef: argument 'key' must be a non-empty string, got nil", AD.BoolDef)
            fails("BoolDef: option 'key' must be a non-empty string, got nil", AD.BoolDef, {default = true})
            fails("BoolDef: argument 'options' must be a table, got string", AD.BoolDef, "x", "y")
            fails("BoolDef: 'key' is given twice", AD.BoolDef, "x", {key = "y"})
            fails("NumberDef: option 'minimum' must be a number, got string", AD.NumberDef, "x", {minimum = "1"})
            fails("NumberDef: option 'maximum' must be a finite number, got number inf", AD.NumberDef, "x", {maximum = math.huge})
            fails("NumberDef: option 'decimals' must be a whole number from 0 to 15, got number 2.5", AD.NumberDef, "x", {decimals = 2.5})
            fails("NumberDef: unknown option 'minimun'", AD.NumberDef, "x", {minimun = 1})
            fails("TextDef: unknown option 'items'", AD.TextDef, "x", {items = {}})
            fails("BoolDef: option 'default' must be a boolean, got string 'yes'", AD.BoolDef, "x", {default = "yes"})
            fails("BoolDef: options 'visible' and 'hidden' contradict each other", AD.BoolDef, "x", {visible = true, hidden = true})
            fails("EnumDef: options are named (such as {default = ...}), got a list item at [1]", AD.EnumDef, "x", {"a", "b"})
            fails("TextDef: option 'regex' is not a valid regular expression: '(['", AD.TextDef, "x", {regex = "(["})
            fails("UILabelDef: argument 'label' must be a string, got nil", AD.UILabelDef)
            fails("get_default_values: argument 'defs' must be a list of attribute definitions, got number", AD.get_default_values, 3)
            fails("validate_values: item 2 of 'defs' is not an attribute definition", AD.validate_values, {AD.BoolDef("a"), {}}, {})
            fails("deserialize_attr_def: unknown attribute definition type 'nope'", AD.deserialize_attr_def, {type = "nope"})
            """)
        // the error points at the line that made the definition, not into the library
        expectError("\nlocal d = AD.NumberDef('frameStart', {minimum = 'one'})",
                    "test:2: NumberDef: option 'minimum' must be a number, got string 'one'")
        expectError("local d = AD.NumberDef('frameStart', {maximum = 100})\nd:validate(500)",
                    "test:2: attribute 'frameStart': 500 is above the maximum 100")
    }

    func testNumberRangeAndDecimals() {
        run("""
            local n = AD.NumberDef("frameStart", {minimum = 1, maximum = 100})
            eq(n.type, "number"); eq(n.default, 1); eq(n.decimals, 0)  -- the default 0 is clamped into the range
            eq(n:is_value_valid(1), true); eq(n:is_value_valid(100), true); eq(n:is_value_valid(50.0), true)
            local ok, reason = n:is_value_valid(500); eq(ok, false); eq(reason, "500 is above the maximum 100")
            ok, reason = n:is_value_valid(0); eq(reason, "0 is below the minimum 1")
            ok, reason = n:is_value_valid(2.5); eq(reason, "2.5 is not a whole number")
            ok, reason = n:is_value_valid("5"); eq(ok, false); eq(reason, "expected a number, got string '5'")
            ok, reason = n:is_value_valid(0/0); eq(ok, false)
            eq(n:validate(7), 7)
            fails("attribute 'frameStart': 500 is above the maximum 100", n.validate, n, 500)
            eq(n:convert_value(500), 100); eq(n:convert_value(-3), 1); eq(n:convert_value(2.6), 3)
            eq(math.type(n:convert_value(2.6)), "integer"); eq(n:convert_value("42"), 42); eq(n:convert_value({}), 1)

            local s = AD.NumberDef("scale", {minimum = -1, maximum = 10, decimals = 2, default = 1.5})
            eq(s:is_value_valid(1.25), true); eq(s:is_value_valid(0.1 + 0.2), true)
            ok, reason = s:is_value_valid(1.234); eq(reason, "1.234 has more than 2 decimal places")
            eq(s:convert_value(3.14159), 3.14); eq(s:convert_value(99), 10.0); eq(s:convert_value("x"), 1.5)

            fails("NumberDef: option 'minimum' (10) is above option 'maximum' (5)", AD.NumberDef, "x", {minimum = 10, maximum = 5})
            fails("NumberDef: option 'default' is invalid: 500 is above the maximum 100", AD.NumberDef, "x", {maximum = 100, default = 500})
            fails("NumberDef: option 'default' is invalid: 2.5 is not a whole number", AD.NumberDef, "x", {default = 2.5})
            """)
    }

    func testTextMultilineAndRegex() {
        run("""
            local t = AD.TextDef("variant", {regex = "^[A-Za-z][A-Za-z0-9_]*$", placeholder = "Main"})
            eq(t.type, "text"); eq(t.default, ""); eq(t.multiline, false); eq(t.placeholder, "Main")
            eq(t:is_value_valid("Main_01"), true)
            local ok, reason = t:is_value_valid("01 main"); eq(ok, false)
            eq(reason, "'01 main' does not match the pattern '^[A-Za-z][A-Za-z0-9_]*$'")
            ok, reason = t:is_value_valid(3); eq(reason, "expected text, got number 3")
            ok, reason = t:is_value_valid("a\\nb"); eq(reason, "'a\\\\nb' has a line break, but the attribute is single-line")
            eq(AD.TextDef("comment", {multiline = true}):is_value_valid("a\\nb"), true)
            eq(AD.TextDef("prefix", {regex = "[a-z]"}):is_value_valid("a1"), true)  -- anchored at the start only, as re.match
            eq(t:convert_value(12), "12"); eq(t:convert_value(true), "")
            fails("attribute 'variant': '01 main' does not match the pattern", t.validate, t, "01 main")
            """)
    }

    func testEnumItemsAndMembership() {
        run("""
            local list = AD.EnumDef("quality", {items = {"low", "high"}})
            eq(list.type, "enum"); eq(list.default, "low"); eq(list.multiselection, false)
            same(list.items, {{value = "low", label = "low"}, {value = "high", label = "high"}})
            eq(list:is_value_valid("high"), true)
            local ok, reason = list:is_value_valid("ultra"); eq(ok, false); eq(reason, "'ultra' is not one of 'low', 'high'")
            ok, reason = list:is_value_valid({"low"}); eq(reason, "expected one item, got a table")
            fails("attribute 'quality': 'ultra' is not one of 'low', 'high'", list.validate, list, "ultra")

            local labelled = AD.EnumDef("res", {items = {{value = 1, label = "Full"}, {value = 2, label = "Half"}}, default = 2})
            eq(labelled.default, 2); eq(labelled:is_value_valid(2), true); eq(labelled:is_value_valid("2"), false)
            eq(labelled:convert_value("Half"), 2); eq(labelled:convert_value("1"), 1); eq(labelled:convert_value(7), 2)

            local map = AD.EnumDef("codec", {items = {prores = "ProRes", h264 = "H.264"}})
            same(map.items, {{value = "h264", label = "H.264"}, {value = "prores", label = "ProRes"}})  -- sorted by value
            eq(map.default, "h264")

            fails("EnumDef: option 'items' must not be empty", AD.EnumDef, "x", {items = {}})
            fails("EnumDef: option 'items' has the value 'a' twice", AD.EnumDef, "x", {items = {"a", "a"}})
            fails("EnumDef: option 'default' is invalid: 'c' is not one of 'a', 'b'", AD.EnumDef, "x", {items = {"a", "b"}, default = "c"})
            fails("EnumDef: option 'items' item 2: value must be a string, number or boolean, got table", AD.EnumDef, "x", {items = {"a", {value = {}}}})
            """)
    }

    func testEnumMultiselection() {
        run("""
            local m = AD.EnumDef("passes", {items = {"beauty", "depth", "normal"}, multiselection = true})
            same(m.default, {}); eq(json.encode(m.default), "[]")
            eq(m:is_value_valid({"beauty", "depth"}), true); eq(m:is_value_valid({}), true)
            local ok, reason = m:is_value_valid({"beauty", "alpha"}); eq(ok, false); eq(reason, "'alpha' is not one of 'beauty', 'depth', 'normal'")
            ok, reason = m:is_value_valid("beauty"); eq(reason, "expected a list of items, got string 'beauty'")
            same(m:convert_value({"depth", "alpha", "depth"}), {"depth"}); same(m:convert_value("normal"), {"normal"})
            same(m:convert_value(null), {})
            local d = AD.EnumDef("passes", {items = {"beauty", "depth"}, multiselection = true, default = {"depth"}})
            same(d.default, {"depth"})
            fails("EnumDef: option 'default' must be a list of item values (multiselection), got string 'depth'",
                AD.EnumDef, "x", {items = {"depth"}, multiselection = true, default = "depth"})
            eq(#AD.EnumDef("x", {items = {}, multiselection = true}).items, 0)  -- allowed empty
            """)
    }

    func testFileDef() {
        run("""
            local f = AD.FileDef("scene")
            eq(f.type, "path"); eq(f.single_item, true); eq(f.folders, true); eq(f.allow_sequences, true); eq(f.default, "")
            eq(f.is_label_horizontal, false); same(f.extensions, {})
            eq(f:is_value_valid("/any/file.txt"), true); eq(f:is_value_valid(""), true)
            local ok, reason = f:is_value_valid({"a"}); eq(reason, "expected a path, got table")

            local images = AD.FileDef("images", {single_item = false, extensions = {"EXR", ".png"}, allow_sequences = false})
            same(images.extensions, {".exr", ".png"}); eq(images.folders, false); same(images.default, {})
            eq(images:is_value_valid({"a.exr", "/b/c.PNG"}), true)
            ok, reason = images:is_value_valid({"a.exr", "b.txt"}); eq(reason, "'b.txt' does not end with one of .exr, .png")
            ok, reason = images:is_value_valid({"shot.####.exr"}); eq(reason, "'shot.####.exr' is a frame sequence, but the attribute takes single files")
            ok, reason = images:is_value_valid({"renders/"}); eq(reason, "'renders/' is a folder, but the attribute takes files")
            ok, reason = images:is_value_valid("a.exr"); eq(reason, "expected a list of paths, got string 'a.exr'")
            same(images:convert_value(" a.exr "), {"a.exr"})
            same(images:convert_value({directory = "/r", filenames = {"a.exr", "b.exr"}}), {"/r/a.exr", "/r/b.exr"})
            eq(f:convert_value({"x.exr", "y.exr"}), "x.exr"); eq(f:convert_value(5), "")

            fails("FileDef: option 'default' is invalid: 'a.png' does not end with .exr", AD.FileDef, "x", {extensions = {"exr"}, default = "a.png"})
            fails("FileDef: option 'default' must be a path (single_item), got table", AD.FileDef, "x", {default = {"a"}})
            """)
    }

    func testParseText() {
        run("""
            local b = AD.BoolDef("render_farm")
            for _, w in ipairs({"true", "yes", " YES ", "on", "1"}) do eq(b:parse_text(w), true) end
            for _, w in ipairs({"false", "No", "off", "0"}) do eq(b:parse_text(w), false) end
            fails("attribute 'render_farm': expected true/false, yes/no, on/off or 1/0, got 'maybe'", b.parse_text, b, "maybe")
            fails("BoolDef:parse_text: argument 'text' must be a string, got number", b.parse_text, b, 1)

            local n = AD.NumberDef("frameStart", {minimum = 1, maximum = 100})
            eq(n:parse_text(" 42 "), 42); eq(math.type(n:parse_text("42")), "integer"); eq(math.type(n:parse_text("42.0")), "integer")
            fails("attribute 'frameStart': 500 is above the maximum 100", n.parse_text, n, "500")
            fails("attribute 'frameStart': expected a number, got 'abc'", n.parse_text, n, "abc")
            fails("attribute 'frameStart': 2.5 is not a whole number", n.parse_text, n, "2.5")
            eq(AD.NumberDef("scale", {decimals = 2}):parse_text("1.25"), 1.25)

            local t = AD.TextDef("variant", {regex = "^[a-z]+$"})
            eq(t:parse_text("main"), "main")
            fails("attribute 'variant': 'Main 2' does not match the pattern '^[a-z]+$'", t.parse_text, t, "Main 2")

            local e = AD.EnumDef("res", {items = {{value = 1, label = "Full"}, {value = 2, label = "Half"}}})
            eq(e:parse_text("2"), 2); eq(e:parse_text("Half"), 2); eq(e:parse_text("full"), 1)
            fails("attribute 'res': '3' is not one of 1, 2", e.parse_text, e, "3")

            local m = AD.EnumDef("passes", {items = {"beauty", "depth", "normal"}, multiselection = true})
            same(m:parse_text("depth, beauty,,depth"), {"depth", "beauty"}); same(m:parse_text(""), {})
            fails("attribute 'passes': 'alpha' is not one of 'beauty', 'depth', 'normal'", m.parse_text, m, "beauty,alpha")

            local f = AD.FileDef("scene", {extensions = {"json"}})
            eq(f:parse_text(" /a/b.json "), "/a/b.json")
            fails("attribute 'scene': '/a/b.txt' does not end with .json", f.parse_text, f, "/a/b.txt")
            local fl = AD.FileDef("inputs", {single_item = false})
            same(fl:parse_text("a.exr, b.exr"), {"a.exr", "b.exr"})

            eq(AD.HiddenDef("h"):parse_text("x"), "x"); eq(AD.UnknownDef("u"):parse_text("y"), "y")
            fails("UILabelDef:parse_text: a UI definition takes no value", AD.UILabelDef("Hi").parse_text, AD.UILabelDef("Hi"), "x")
            """)
    }

    func testSerializeRoundTripsThroughJSON() {
        run("""
            local defs = {
                AD.BoolDef("render_farm", {default = true, label = "Render on Farm", tooltip = "t"}),
                AD.NumberDef("frameStart", {minimum = 1, maximum = 100, default = 10}),
                AD.NumberDef("scale", {minimum = -1.5, maximum = 10, decimals = 2, default = 0.25}),
                AD.TextDef("variant", {regex = "^[a-z]+$", placeholder = "main", default = "main", multiline = false}),
                AD.EnumDef("quality", {items = {"low", "high"}, default = "high"}),
                AD.EnumDef("passes", {items = {beauty = "Beauty", depth = "Depth"}, multiselection = true, default = {"depth"}}),
                AD.EnumDef("none", {items = {}, multiselection = true}),
                AD.FileDef("images", {single_item = false, extensions = {"exr"}, default = {"a.exr"}, extensions_label = "EXR"}),
                AD.FileDef("scene"),
                AD.UILabelDef("Some <b>text</b>"),
                AD.UISeparatorDef("sep"),
                AD.UISeparatorDef(),
                AD.HiddenDef("token", {default = {a = 1, b = {"x"}}}),
                AD.UnknownDef("legacy", {default = 3, disabled = true}),
            }
            for i, def in ipairs(defs) do
                local data = def:serialize()
                eq(data.type, def.type)
                local text = json.encode(data, {sort_keys = true})
                local back = AD.deserialize_attr_def(json.decode(text))
                eq(getmetatable(back), getmetatable(def)); eq(back == def, true)
                eq(json.encode(back:serialize(), {sort_keys = true}), text)
                eq(back.id ~= def.id, true)
            end
            local list = AD.deserialize_attr_defs(json.decode(json.encode(AD.serialize_attr_defs(defs))))
            eq(#list, #defs); eq(list[2].maximum, 100); eq(list[10].label, "Some <b>text</b>")
            same(AD.BoolDef("x"):serialize(), {type = "boolean", key = "x", default = false, is_label_horizontal = true, visible = true, enabled = true})
            eq(AD.HiddenDef("h"):serialize().visible, false)
            -- AYON's data: "bool", with null label and tooltip
            local ayon = AD.deserialize_attr_def(json.decode('{"type": "bool", "key": "farm", "default": true, "label": null, "tooltip": null, "visible": true, "enabled": true, "is_label_horizontal": true}'))
            eq(ayon:is(AD.BoolDef), true); eq(ayon.default, true); eq(ayon.label, nil)
            eq(defs[2] == AD.NumberDef("frameStart", {minimum = 1, maximum = 100, default = 11}), false)
            eq(defs[2]:compare_to_def(AD.NumberDef("frameStart", {minimum = 1, maximum = 100, default = 11}), {ignore_default = true}), true)
            eq(defs[2]:clone() == defs[2], true)
            """)
    }

    func testDefaultsAndValidateValues() {
        run("""
            local defs = {
                AD.UILabelDef("Settings"),
                AD.BoolDef("render_farm"),
                AD.NumberDef("frameStart", {minimum = 1, maximum = 100}),
                AD.EnumDef("passes", {items = {"beauty", "depth"}, multiselection = true}),
                AD.UISeparatorDef(),
            }
            local values = AD.get_default_values(defs)
            same(values, {render_farm = false, frameStart = 1, passes = {}})
            eq(json.encode(AD.get_default_values({})), "{}")
            local keys = AD.get_attributes_keys(defs); eq(keys.frameStart, true); eq(keys.Settings, nil)
            local ok, errors = AD.validate_values(defs, values); eq(ok, true); eq(#errors, 0)
            ok, errors = AD.validate_values(defs, {render_farm = "yes", frameStart = 500, passes = {"alpha"}})
            eq(ok, false); eq(#errors, 3)
            eq(errors[1], "attribute 'render_farm': expected true or false, got string 'yes'")
            eq(errors[2], "attribute 'frameStart': 500 is above the maximum 100")
            eq(errors[3], "attribute 'passes': 'alpha' is not one of 'beauty', 'depth'")
            ok, errors = AD.validate_values(defs, {render_farm = true})
            eq(ok, false); eq(errors[1], "attribute 'frameStart': no value")
            eq(AD.validate_values(defs, {render_farm = true}, {allow_missing = true}), true)
            same(AD.convert_values(defs, {frameStart = "500", extra = "kept"}),
                {render_farm = false, frameStart = 100, passes = {}, extra = "kept"})
            """)
    }

    func testSubclassesAddOptionsAndRegisterTheirType() {
        run("""
            local StepDef = AD.NumberDef:extend("StepDef")
            StepDef.type = "step"
            StepDef.options = { step = "integer" }
            StepDef.type_attributes = { "step" }
            function StepDef:setup(opts)
                StepDef.super.setup(self, opts)
                self.step = opts.step or 1
            end
            function StepDef:is_value_valid(v)
                local ok, reason = StepDef.super.is_value_valid(self, v)
                if not ok then return false, reason end
                if (v - self.minimum) % self.step ~= 0 then return false, v .. " is not on a step of " .. self.step end
                return true
            end
            AD.register_attr_def_class(StepDef)
            local s = StepDef("frame", {minimum = 1, maximum = 9, step = 2, default = 3})
            eq(s.type, "step"); eq(s:is(AD.NumberDef), true); eq(s:is_value_valid(5), true)
            fails("attribute 'frame': 4 is not on a step of 2", s.validate, s, 4)
            fails("attribute 'frame': 11 is above the maximum 9", s.validate, s, 11)
            fails("StepDef: option 'step' must be a whole number, got number 1.5", StepDef, "frame", {step = 1.5})
            local back = AD.deserialize_attr_def(json.decode(json.encode(s:serialize())))
            eq(getmetatable(back), StepDef); eq(back.step, 2); eq(back == s, true)
            fails("register_attr_def_class: type 'step' is already registered by StepDef", AD.register_attr_def_class, StepDef)
            """)
    }

    func testExampleRuns() {
        let outcome = runtime.runFile(Self.repositoryRoot + "/scripts/examples/attribute_definitions_example.lua", arguments: [])
        XCTAssertEqual(outcome, .success)
    }
}
