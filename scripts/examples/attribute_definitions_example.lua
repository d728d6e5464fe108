-- rscript.attribute_definitions: the typed options a creator or publish plugin asks for, with
-- defaults, validation, command-line parsing and a JSON form.
-- Run: rscript run scripts/examples/attribute_definitions_example.lua
local AD = require("rscript.attribute_definitions")
local json = require("rscript.json")

-- What a render creator could ask for (AYON's get_instance_attr_defs).
local defs = {
  AD.UILabelDef("Render settings"),
  AD.BoolDef("render_farm", { default = false, label = "Render on Farm" }),
  AD.NumberDef("frameStart", { minimum = 1, maximum = 100, default = 1, label = "First frame" }),
  AD.NumberDef("frameEnd", { minimum = 1, maximum = 100, default = 24, label = "Last frame" }),
  AD.NumberDef("scale", { minimum = 0.1, maximum = 4, decimals = 2, default = 1.0 }),
  AD.TextDef("variant", { default = "Main", regex = "^[A-Za-z][A-Za-z0-9_]*$", placeholder = "Main" }),
  AD.EnumDef("quality", { items = { { value = "draft", label = "Draft" }, { value = "final", label = "Final" } } }),
  AD.EnumDef("passes", { items = { "beauty", "depth", "normal" }, multiselection = true, default = { "beauty" } }),
  AD.FileDef("output", { extensions = { "png", "exr" }, default = "render.png" }),
  AD.UISeparatorDef(),
}

-- The defaults, as a creator stores them in a new instance.
local values = AD.get_default_values(defs)
print("defaults: " .. json.encode(values, { sort_keys = true }))
assert(values.frameEnd == 24 and values.quality == "draft" and values.passes[1] == "beauty")

-- Values given on a command line (`key=text`), parsed by their definitions.
local byKey = {}
for _, def in ipairs(defs) do
  if def.is_value_def then byKey[def.key] = def end
end
for _, arg in ipairs({ "render_farm=yes", "frameEnd=48", "quality=Final", "passes=beauty,depth" }) do
  local key, text = arg:match("^([^=]+)=(.*)$")
  values[key] = byKey[key]:parse_text(text)
end
print("given:    " .. json.encode(values, { sort_keys = true }))
assert(values.render_farm == true and values.frameEnd == 48 and values.quality == "final" and #values.passes == 2)

-- Checking values: each problem names its attribute.
local ok, errors = AD.validate_values(defs, values)
assert(ok and #errors == 0)
values.frameEnd = 500
values.variant = "2nd try"
ok, errors = AD.validate_values(defs, values)
for _, message in ipairs(errors) do print("invalid:  " .. message) end
assert(not ok and errors[1] == "attribute 'frameEnd': 500 is above the maximum 100")
assert(errors[2] == "attribute 'variant': '2nd try' does not match the pattern '^[A-Za-z][A-Za-z0-9_]*$'")

-- convert_value coerces what it can: clamped, rounded, or the default.
local scale = byKey.scale
assert(scale:convert_value(3.14159) == 3.14 and scale:convert_value(9) == 4 and scale:convert_value("x") == 1.0)

-- A bad text raises the same kind of message; pcall catches it.
local parsed, err = pcall(byKey.frameStart.parse_text, byKey.frameStart, "soon")
assert(not parsed and err:find("attribute 'frameStart': expected a number, got 'soon'", 1, true))

-- Definitions travel as JSON (to a UI, a farm job, a log) and come back equal.
local text = json.encode(AD.serialize_attr_defs(defs))
local copies = AD.deserialize_attr_defs(json.decode(text))
for i, def in ipairs(defs) do
  assert(copies[i] == def, tostring(def))
end
print(string.format("%d definitions round-tripped through %d bytes of JSON", #copies, #text))
