-- rscript.attribute_definitions: typed definitions of the values a creator or a publish plugin
-- asks for (AYON's `lib.attribute_definitions`): BoolDef, NumberDef, TextDef, EnumDef,
-- FileDef, UILabelDef, UISeparatorDef, HiddenDef, UnknownDef.
--
--   local AD = require("rscript.attribute_definitions")
--   local farm = AD.BoolDef("render_farm", { default = false, label = "Render on Farm" })
--   local start = AD.NumberDef("frameStart", { minimum = 1, maximum = 100, default = 1 })
--   start:validate(500)  --> error "attribute 'frameStart': 500 is above the maximum 100"
--
-- Definitions are rscript.class classes: a subclass declares its extra options in `options`
-- (name -> kind such as "number"), its serialized fields in `type_attributes`, sets them up in
-- `setup(opts)`, and registers its `type` with `register_attr_def_class` to be deserializable.
--
-- One file per definition kind beside this one (abstract.lua, bool.lua, number.lua, ...);
-- support.lua holds the helpers they share. This file assembles the module and holds the
-- registry and the functions over lists of definitions.

local json = require("rscript.json")
local S = require("rscript.attribute_definitions.support")
local A = require("rscript.attribute_definitions.abstract")
local Ui = require("rscript.attribute_definitions.ui")
local Unknown = require("rscript.attribute_definitions.unknown")
local Hidden = require("rscript.attribute_definitions.hidden")
local Bool = require("rscript.attribute_definitions.bool")
local Number = require("rscript.attribute_definitions.number")
local Text = require("rscript.attribute_definitions.text")
local Enum = require("rscript.attribute_definitions.enum")
local File = require("rscript.attribute_definitions.file")

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format, concat = string.format, table.concat
local fail, show, got, isList, deepCopy = S.fail, S.show, S.got, S.isList, S.deepCopy
local isClass, isDef, sortedNames = A.isClass, A.isDef, A.sortedNames
local UISeparatorDef, UILabelDef = Ui.UISeparatorDef, Ui.UILabelDef
local UnknownDef = Unknown.UnknownDef
local HiddenDef = Hidden.HiddenDef
local BoolDef = Bool.BoolDef
local NumberDef = Number.NumberDef
local TextDef = Text.TextDef
local EnumDef = Enum.EnumDef
local FileDef = File.FileDef

local M = {}
M.option_kinds = S.KINDS
M.AbstractAttrDef = A.AbstractAttrDef
M.is_attr_def = A.isDef
M.UIDef = Ui.UIDef
M.UISeparatorDef = Ui.UISeparatorDef
M.UILabelDef = Ui.UILabelDef
M.UnknownDef = Unknown.UnknownDef
M.HiddenDef = Hidden.HiddenDef
M.BoolDef = Bool.BoolDef
M.NumberDef = Number.NumberDef
M.TextDef = Text.TextDef
M.EnumDef = Enum.EnumDef
M.FileDef = File.FileDef

-- Registry and functions over lists of definitions

local registry = {}

--- Makes `cls` (a definition class with its own `type`) known to `deserialize_attr_def`.
function M.register_attr_def_class(cls)
  if not isClass(cls) then
    fail("register_attr_def_class: argument 'cls' must be an attribute definition class, got " .. got(cls))
  end
  local t = cls.type
  if type(t) ~= "string" or t == "" or t == "abstract" then
    fail(format("register_attr_def_class: %s has no 'type' of its own", tostring(cls.name)))
  end
  if registry[t] then
    fail(format("register_attr_def_class: type '%s' is already registered by %s", t, registry[t].name))
  end
  registry[t] = cls
  return cls
end

for _, cls in ipairs({ UISeparatorDef, UILabelDef, UnknownDef, HiddenDef, NumberDef, TextDef, EnumDef, BoolDef, FileDef }) do
  M.register_attr_def_class(cls)
end
registry.bool = BoolDef -- the name AYON serializes BoolDef under

--- The definition `data` (from `serialize`, possibly through JSON) describes.
function M.deserialize_attr_def(data)
  if type(data) ~= "table" or isDef(data) then
    fail("deserialize_attr_def: argument 'data' must be a table, got " .. got(data))
  end
  local t = data.type
  local cls = type(t) == "string" and registry[t] or nil
  if not cls then
    fail(format("deserialize_attr_def: unknown attribute definition type %s (known: %s)", show(t),
      concat(sortedNames(registry), ", ")))
  end
  local options = {}
  for k, v in pairs(data) do
    if k ~= "type" then options[k] = v end
  end
  return cls(options)
end

local function checkDefs(fname, defs)
  if not isList(defs) then
    fail(format("%s: argument 'defs' must be a list of attribute definitions, got %s", fname, got(defs)))
  end
  for i, def in ipairs(defs) do
    if not isDef(def) then
      fail(format("%s: item %d of 'defs' is not an attribute definition (got %s)", fname, i, got(def)))
    end
  end
end

--- The definitions a list of `serialize` tables describes.
function M.deserialize_attr_defs(list)
  if not isList(list) then
    fail("deserialize_attr_defs: argument 'list' must be a list, got " .. got(list))
  end
  local out = {}
  for i, data in ipairs(list) do out[i] = M.deserialize_attr_def(data) end
  return out
end

--- `def:serialize()`.
function M.serialize_attr_def(def)
  if not isDef(def) then
    fail("serialize_attr_def: argument 'def' must be an attribute definition, got " .. got(def))
  end
  return def:serialize()
end

--- The `serialize` tables of a list of definitions.
function M.serialize_attr_defs(defs)
  checkDefs("serialize_attr_defs", defs)
  local out = {}
  for i, def in ipairs(defs) do out[i] = def:serialize() end
  return out
end

--- The keys of the value definitions (UI definitions have none), as a set.
function M.get_attributes_keys(defs)
  checkDefs("get_attributes_keys", defs)
  local keys = {}
  for _, def in ipairs(defs) do
    if def.is_value_def then keys[def.key] = true end
  end
  return keys
end

--- { key = default } for the value definitions (a JSON object, `{}` when there are none).
function M.get_default_values(defs)
  checkDefs("get_default_values", defs)
  local values = json.object({})
  for _, def in ipairs(defs) do
    if def.is_value_def then values[def.key] = deepCopy(def.default) end
  end
  return values
end

--- Each value converted by its definition, the default for those missing; values without a
--- definition are kept as they are (AYON never drops them).
function M.convert_values(defs, values)
  checkDefs("convert_values", defs)
  if values ~= nil and type(values) ~= "table" then
    fail("convert_values: argument 'values' must be a table, got " .. got(values))
  end
  values = values or {}
  local out = json.object({})
  for k, v in pairs(values) do out[k] = deepCopy(v) end
  for _, def in ipairs(defs) do
    if def.is_value_def then
      local v = values[def.key]
      if v == nil then
        out[def.key] = deepCopy(def.default)
      else
        out[def.key] = def:convert_value(v)
      end
    end
  end
  return out
end

--- ok, errors: whether every value definition's value in `values` is valid, and a list of
--- "attribute 'KEY': reason" for those that are not. A missing value is an error unless
--- `options.allow_missing`.
function M.validate_values(defs, values, options)
  checkDefs("validate_values", defs)
  if type(values) ~= "table" then
    fail("validate_values: argument 'values' must be a table, got " .. got(values))
  end
  if options ~= nil and type(options) ~= "table" then
    fail("validate_values: argument 'options' must be a table, got " .. got(options))
  end
  local allowMissing = options and options.allow_missing
  local errors = {}
  for _, def in ipairs(defs) do
    if def.is_value_def then
      local v = values[def.key]
      if v == nil then
        if not allowMissing then errors[#errors + 1] = format("attribute '%s': no value", def.key) end
      else
        local ok, reason = def:is_value_valid(v)
        if not ok then errors[#errors + 1] = format("attribute '%s': %s", def.key, reason or "invalid value") end
      end
    end
  end
  return #errors == 0, errors
end

return M
