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

local Object = require("rscript.class")
local rs = require("rscript")
local fs = require("rscript.fs")
local json = require("rscript.json")

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local getmetatable, setmetatable, rawget, rawequal, pcall, error = getmetatable, setmetatable, rawget, rawequal, pcall, error
local format, concat, sort = string.format, table.concat, table.sort
local mtype, floor, huge, tointeger = math.type, math.floor, math.huge, math.tointeger
local isNull, regexMatch, uuid = rs.isNull, rs.regexMatch, rs.uuid

local M = {}

---------------------------------------------------------------------------------------------
-- Errors

-- Raises `message` at the first caller outside this module and rscript.class, so that an error
-- points at the line that made or used the definition rather than at the class machinery,
-- however many `super.init` / `super.setup` calls lie between. There is no `debug` library:
-- `error("", level)` under pcall tells where each level is: "" for C functions and past the top
-- of the stack, and the runtime's own pcall wrapper (chunk "coroutine-forwarding") may sit in
-- between, so the walk first finds `fail` itself and counts from there.
local function isInternal(where)
  return where:find("rscript/attribute_definitions%.lua:%d+: $") ~= nil
    or where:find("rscript/class%.lua:%d+: $") ~= nil
end

local function fail(message)
  local level, own = 1, nil
  while level < 100 do
    local _, where = pcall(error, "", level)
    if where ~= "" then
      if isInternal(where) then
        own = own or level
      elseif own and not where:find("^coroutine%-forwarding:") then
        break
      end
    end
    level = level + 1
  end
  error(message, own and (level - own + 1) or 1)
end

---------------------------------------------------------------------------------------------
-- Showing values in messages

local function numberText(v)
  if mtype(v) == "integer" then return format("%d", v) end
  if v ~= v then return "nan" end
  if v == huge then return "inf" end
  if v == -huge then return "-inf" end
  if v == floor(v) and v > -1e15 and v < 1e15 then return format("%.1f", v) end
  return format("%.14g", v)
end

-- A value as messages show it: strings in single quotes (shortened), numbers as Lua writes them.
local function show(v)
  local t = type(v)
  if t == "string" then
    if #v > 60 then v = v:sub(1, 57) .. "..." end
    return "'" .. v:gsub("\n", "\\n"):gsub("\r", "\\r") .. "'"
  elseif t == "number" then
    return numberText(v)
  elseif t == "boolean" or t == "nil" then
    return tostring(v)
  elseif isNull(v) then
    return "null"
  end
  return "a " .. t
end

-- What a "got ..." says: the type, and the value when it is a scalar.
local function got(v)
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" then return t .. " " .. show(v) end
  if t == "userdata" and isNull(v) then return "null" end
  return t
end

-- The text a scalar stands for on a command line: strings as they are, numbers as Lua writes them.
local function display(v)
  if type(v) == "number" then return numberText(v) end
  return tostring(v)
end

local function trim(s)
  return (s:match("^%s*(.-)%s*$"))
end

---------------------------------------------------------------------------------------------
-- Tables

local function isList(t)
  if type(t) ~= "table" then return false end
  local n = #t
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function isStringList(t)
  if not isList(t) then return false end
  for _, v in ipairs(t) do
    if type(v) ~= "string" then return false end
  end
  return true
end

-- A copy of plain data; tables keep their metatable (the JSON object/array markers).
local function deepCopy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, item in pairs(v) do out[k] = deepCopy(item) end
  return setmetatable(out, getmetatable(v))
end

local function deepEqual(a, b)
  if rawequal(a, b) then return true end
  if type(a) ~= type(b) then return false end
  if type(a) == "userdata" then return isNull(a) and isNull(b) end
  if type(a) ~= "table" then return a == b end
  local count = 0
  for k, v in pairs(a) do
    if not deepEqual(v, rawget(b, k)) then return false end
    count = count + 1
  end
  for _ in pairs(b) do count = count - 1 end
  return count == 0
end

local function splitCommas(text)
  local parts = {}
  for part in (text .. ","):gmatch("([^,]*),") do
    part = trim(part)
    if part ~= "" then parts[#parts + 1] = part end
  end
  return parts
end

---------------------------------------------------------------------------------------------
-- Option kinds: what an option must be, checked before a definition sets itself up

local function kind(what, check) return { what = what, check = check } end

local function isFinite(v) return type(v) == "number" and v == v and v ~= huge and v ~= -huge end

local KINDS = {
  any = kind("any value", function() return true end),
  string = kind("a string", function(v) return type(v) == "string" end),
  key = kind("a non-empty string", function(v) return type(v) == "string" and v ~= "" end),
  boolean = kind("a boolean", function(v) return type(v) == "boolean" end),
  number = kind("a number", isFinite),
  integer = kind("a whole number", function(v) return isFinite(v) and v == floor(v) end),
  decimals = kind("a whole number from 0 to 15", function(v)
    return isFinite(v) and v == floor(v) and v >= 0 and v <= 15
  end),
  table = kind("a table", function(v) return type(v) == "table" end),
  strings = kind("a list of strings", isStringList),
  paths = kind("a path or a list of paths", function(v) return type(v) == "string" or isStringList(v) end),
  items = kind("a list of items or a table of value = label", function(v) return type(v) == "table" end),
}
M.option_kinds = KINDS

local function kindOf(spec)
  if type(spec) == "string" then return KINDS[spec] end
  if type(spec) == "table" and type(spec.check) == "function" then return spec end
  return nil
end

---------------------------------------------------------------------------------------------
-- AbstractAttrDef: what every definition has

local AbstractAttrDef = Object:extend("AbstractAttrDef")
M.AbstractAttrDef = AbstractAttrDef

AbstractAttrDef.type = "abstract"
AbstractAttrDef.is_value_def = true
--- The option that a plain first argument fills (`BoolDef("key", {...})`), and whether it must be given.
AbstractAttrDef.positional = "key"
AbstractAttrDef.positional_required = true
--- The options every definition takes: name -> kind. Subclasses add theirs in their own `options`.
AbstractAttrDef.options = {
  key = "key", default = "any", label = "string", tooltip = "string",
  is_label_horizontal = "boolean", visible = "boolean", enabled = "boolean",
  hidden = "boolean", disabled = "boolean",
}
--- Fields written by `serialize` besides the common ones; subclasses list only their own.
AbstractAttrDef.type_attributes = {}

local function isClass(v)
  return type(v) == "table" and rawget(v, "__index") == v and Object.is(v, AbstractAttrDef)
end

local function isDef(v)
  return type(v) == "table" and rawget(v, "__index") == nil and Object.is(v, AbstractAttrDef)
end
M.is_attr_def = isDef

local function className(self)
  local cls = getmetatable(self)
  return type(cls) == "table" and tostring(rawget(cls, "name") or cls.name) or "attribute definition"
end

-- The options a class takes (its own and its ancestors'), name -> kind; the nearest class wins.
local function acceptedOptions(cls)
  local accepted = {}
  local c = cls
  while c do
    local own = rawget(c, "options")
    if own then
      for name, spec in pairs(own) do
        if accepted[name] == nil then accepted[name] = kindOf(spec) or KINDS.any end
      end
    end
    c = c.super
  end
  return accepted
end

-- The serialized fields of a class beyond the common ones, ancestors' first.
local function typeAttributes(cls)
  local chain = {}
  local c = cls
  while c do
    chain[#chain + 1] = c
    c = c.super
  end
  local out, seen = {}, {}
  for i = #chain, 1, -1 do
    local own = rawget(chain[i], "type_attributes")
    if own then
      for _, name in ipairs(own) do
        if not seen[name] then seen[name] = true; out[#out + 1] = name end
      end
    end
  end
  return out
end

local function sortedNames(t)
  local names = {}
  for name in pairs(t) do names[#names + 1] = name end
  sort(names)
  return names
end

-- The options of a constructor call, checked: `Def(first, options)` or `Def{...}`. A null
-- option (from JSON) counts as not given.
local function parseArguments(self, first, options)
  local cls = getmetatable(self)
  local name = cls.name
  local positional = cls.positional
  local given, tableForm
  if type(first) == "table" and options == nil and not isDef(first) then
    given, tableForm = first, true
  else
    if options == nil or isNull(options) then
      given = {}
    elseif type(options) ~= "table" then
      fail(format("%s: argument 'options' must be a table, got %s", name, got(options)))
    else
      given = options
    end
    if given[positional] ~= nil then
      fail(format("%s: '%s' is given twice, as argument and as option", name, positional))
    end
  end

  local specs = acceptedOptions(cls)
  local names = {}
  for k in pairs(given) do
    if type(k) ~= "string" then
      fail(format("%s: options are named (such as {default = ...}), got a list item at [%s]", name, tostring(k)))
    end
    names[#names + 1] = k
  end
  sort(names)
  local opts = {}
  for _, k in ipairs(names) do
    local spec = specs[k]
    if not spec then
      fail(format("%s: unknown option '%s' (options: %s)", name, k, concat(sortedNames(specs), ", ")))
    end
    local v = given[k]
    if not isNull(v) then
      if not spec.check(v) then
        local what = spec.what
        if what == "a number" and type(v) == "number" then what = "a finite number" end
        fail(format("%s: option '%s' must be %s, got %s", name, k, what, got(v)))
      end
      opts[k] = v
    end
  end

  if not tableForm and first ~= nil and not isNull(first) then
    local spec = specs[positional] or KINDS.any
    if not spec.check(first) then
      fail(format("%s: argument '%s' must be %s, got %s", name, positional, spec.what, got(first)))
    end
    opts[positional] = first
  end
  if cls.positional_required and opts[positional] == nil then
    local spec = specs[positional] or KINDS.any
    fail(format("%s: %s '%s' must be %s, got nil", name, tableForm and "option" or "argument", positional, spec.what))
  end
  return opts
end

-- `main` (visible, enabled) and its deprecated opposite (hidden, disabled), as AYON takes them.
local function resolveFlag(name, opts, main, opposite)
  local m, o = opts[main], opts[opposite]
  if m ~= nil and o ~= nil and m == o then
    fail(format("%s: options '%s' and '%s' contradict each other", name, main, opposite))
  end
  if m ~= nil then return m end
  if o ~= nil then return not o end
  return true
end

--- `Def(key, options)` or `Def{key = ..., ...}`: checks the options, sets the common fields,
--- then calls `self:setup(opts)` for the type's own.
function AbstractAttrDef:init(first, options)
  local opts = parseArguments(self, first, options)
  local name = getmetatable(self).name
  self.key = opts.key
  self.label = opts.label
  self.tooltip = opts.tooltip
  if opts.is_label_horizontal == nil then
    self.is_label_horizontal = true
  else
    self.is_label_horizontal = opts.is_label_horizontal
  end
  self.visible = resolveFlag(name, opts, "visible", "hidden")
  self.enabled = resolveFlag(name, opts, "enabled", "disabled")
  self.hidden = not self.visible
  self.disabled = not self.enabled
  self.id = uuid()
  self:setup(opts)
end

--- Sets up the type's own fields from the checked options; the base one takes `default` as it is.
function AbstractAttrDef:setup(opts)
  self.default = deepCopy(opts.default)
end

function AbstractAttrDef:__tostring()
  if self.key ~= nil then return format("%s(%s)", className(self), show(self.key)) end
  return className(self) .. "()"
end

function AbstractAttrDef.__eq(a, b)
  return isDef(a) and isDef(b) and a:compare_to_def(b)
end

--- Whether `value` is valid; when not, also the reason (without the key).
function AbstractAttrDef:is_value_valid(value)
  return true
end

--- `value` coerced to the definition's type; what cannot be coerced gives the default.
function AbstractAttrDef:convert_value(value)
  return value
end

-- Raises "attribute 'KEY': reason" at the caller.
local function invalid(self, reason)
  fail(format("attribute '%s': %s", tostring(self.key), reason or "invalid value"))
end

--- Returns `value` when valid, else raises `attribute 'KEY': <reason>`.
function AbstractAttrDef:validate(value)
  local ok, reason = self:is_value_valid(value)
  if not ok then invalid(self, reason) end
  return value
end

local function needText(self, text)
  if type(text) ~= "string" then
    fail(format("%s:parse_text: argument 'text' must be a string, got %s", className(self), got(text)))
  end
  return trim(text)
end

--- The value of command-line text; the base one takes the text as it is.
function AbstractAttrDef:parse_text(text)
  if type(text) ~= "string" then
    fail(format("%s:parse_text: argument 'text' must be a string, got %s", className(self), got(text)))
  end
  return self:validate(text)
end

--- A plain JSON-able table that `deserialize_attr_def` turns back into an equal definition.
function AbstractAttrDef:serialize()
  local data = {
    type = self.type,
    key = self.key,
    label = self.label,
    tooltip = self.tooltip,
    default = deepCopy(self.default),
    is_label_horizontal = self.is_label_horizontal,
    visible = self.visible,
    enabled = self.enabled,
  }
  for _, attr in ipairs(typeAttributes(getmetatable(self))) do
    data[attr] = deepCopy(self[attr])
  end
  return data
end

--- A new definition equal to this one (with its own `id`).
function AbstractAttrDef:clone()
  local data = self:serialize()
  data.type = nil
  return getmetatable(self)(data)
end

--- Whether the type's own fields match `other`'s: by default all `type_attributes`.
function AbstractAttrDef:_def_type_compare(other)
  for _, attr in ipairs(typeAttributes(getmetatable(self))) do
    if not deepEqual(self[attr], other[attr]) then return false end
  end
  return true
end

--- Whether `other` is the same kind of definition with the same key, type fields, default,
--- visibility and enabled state (label and tooltip are not compared, as in AYON). `options`:
--- ignore_default, ignore_enabled, ignore_visible, ignore_def_type_compare.
function AbstractAttrDef:compare_to_def(other, options)
  options = options or {}
  if not isDef(other) or getmetatable(other) ~= getmetatable(self) or self.key ~= other.key then
    return false
  end
  if not options.ignore_def_type_compare and not self:_def_type_compare(other) then return false end
  return (options.ignore_default or deepEqual(self.default, other.default))
    and (options.ignore_visible or self.visible == other.visible)
    and (options.ignore_enabled or self.enabled == other.enabled)
    and true
end

---------------------------------------------------------------------------------------------
-- UI definitions: no value

local UIDef = AbstractAttrDef:extend("UIDef")
M.UIDef = UIDef
UIDef.is_value_def = false
UIDef.positional_required = false

function UIDef:setup(opts)
  self.default = nil
end

function UIDef:parse_text(text)
  fail(format("%s:parse_text: a UI definition takes no value", className(self)))
end

--- A line between groups of attributes: `UISeparatorDef([key] [, options])`.
local UISeparatorDef = UIDef:extend("UISeparatorDef")
M.UISeparatorDef = UISeparatorDef
UISeparatorDef.type = "separator"

--- A text shown among the attributes: `UILabelDef(label [, options])`.
local UILabelDef = UIDef:extend("UILabelDef")
M.UILabelDef = UILabelDef
UILabelDef.type = "label"
UILabelDef.positional = "label"
UILabelDef.positional_required = true

function UILabelDef:_def_type_compare(other)
  return self.label == other.label
end

---------------------------------------------------------------------------------------------
-- UnknownDef, HiddenDef: any value

--- A value whose definition is not available; kept as it is.
local UnknownDef = AbstractAttrDef:extend("UnknownDef")
M.UnknownDef = UnknownDef
UnknownDef.type = "unknown"

--- A value of any (JSON-able) type that is never shown.
local HiddenDef = AbstractAttrDef:extend("HiddenDef")
M.HiddenDef = HiddenDef
HiddenDef.type = "hidden"

function HiddenDef:setup(opts)
  HiddenDef.super.setup(self, opts)
  self.visible, self.hidden = false, true
end

---------------------------------------------------------------------------------------------
-- BoolDef

local BOOLEAN_WORDS = {
  ["true"] = true, ["yes"] = true, ["on"] = true, ["1"] = true,
  ["false"] = false, ["no"] = false, ["off"] = false, ["0"] = false,
}

--- true or false: `BoolDef(key, {default = false})`.
local BoolDef = AbstractAttrDef:extend("BoolDef")
M.BoolDef = BoolDef
BoolDef.type = "boolean"
BoolDef.options = { default = "boolean" }

function BoolDef:setup(opts)
  if opts.default == nil then self.default = false else self.default = opts.default end
end

function BoolDef:is_value_valid(value)
  if type(value) == "boolean" then return true end
  return false, "expected true or false, got " .. got(value)
end

--- Booleans as they are; "true"/"yes"/"on"/"1" and "false"/"no"/"off"/"0" (any case), and
--- the numbers 1 and 0; anything else gives the default.
function BoolDef:convert_value(value)
  if type(value) == "boolean" then return value end
  if type(value) == "string" then
    local b = BOOLEAN_WORDS[trim(value):lower()]
    if b ~= nil then return b end
  elseif value == 1 or value == 0 then
    return value == 1
  end
  return self.default
end

function BoolDef:parse_text(text)
  local word = needText(self, text)
  local b = BOOLEAN_WORDS[word:lower()]
  if b == nil then
    invalid(self, "expected true/false, yes/no, on/off or 1/0, got " .. show(text))
  end
  return b
end

---------------------------------------------------------------------------------------------
-- NumberDef

-- `v` rounded to `decimals` places; a whole number is an integer when it fits.
local function roundTo(v, decimals)
  local r = tonumber(format("%." .. decimals .. "f", v))
  if decimals == 0 and mtype(r) == "float" then r = tointeger(r) or r end
  return r
end

local function hasAtMostDecimals(v, decimals)
  if decimals == 0 then return v == floor(v) end
  local r = roundTo(v, decimals)
  local scale = v < 0 and -v or v
  if scale < 1 then scale = 1 end
  local diff = r - v
  if diff < 0 then diff = -diff end
  return diff <= 1e-12 * scale
end

--- A number between `minimum` (0) and `maximum` (999999) with at most `decimals` (0) decimal
--- places; with 0 decimals the value is an integer.
local NumberDef = AbstractAttrDef:extend("NumberDef")
M.NumberDef = NumberDef
NumberDef.type = "number"
NumberDef.options = { default = "number", minimum = "number", maximum = "number", decimals = "decimals" }
NumberDef.type_attributes = { "minimum", "maximum", "decimals" }

function NumberDef:setup(opts)
  local name = getmetatable(self).name
  local minimum, maximum = opts.minimum, opts.maximum
  if minimum == nil then minimum = 0 end
  if maximum == nil then maximum = 999999 end
  if minimum > maximum then
    fail(format("%s: option 'minimum' (%s%s) is above option 'maximum' (%s%s)", name,
      numberText(minimum), opts.minimum == nil and ", the default" or "",
      numberText(maximum), opts.maximum == nil and ", the default" or ""))
  end
  self.minimum, self.maximum = minimum, maximum
  self.decimals = tointeger(opts.decimals or 0)
  if opts.default == nil then
    local default = 0
    if default < minimum then default = minimum elseif default > maximum then default = maximum end
    self.default = roundTo(default, self.decimals)
  else
    local default = opts.default
    if self.decimals == 0 then default = tointeger(default) or default end
    local ok, reason = NumberDef.is_value_valid(self, default)
    if not ok then fail(format("%s: option 'default' is invalid: %s", name, reason)) end
    self.default = default
  end
end

function NumberDef:is_value_valid(value)
  if type(value) ~= "number" or value ~= value then
    return false, "expected a number, got " .. got(value)
  end
  if value < self.minimum then
    return false, format("%s is below the minimum %s", numberText(value), numberText(self.minimum))
  end
  if value > self.maximum then
    return false, format("%s is above the maximum %s", numberText(value), numberText(self.maximum))
  end
  if not hasAtMostDecimals(value, self.decimals) then
    if self.decimals == 0 then return false, numberText(value) .. " is not a whole number" end
    return false, format("%s has more than %d decimal place%s", numberText(value), self.decimals,
      self.decimals == 1 and "" or "s")
  end
  return true
end

--- Numbers and numeric text, clamped into the range and rounded to `decimals`; anything else
--- gives the default.
function NumberDef:convert_value(value)
  if type(value) == "string" then value = tonumber(trim(value)) end
  if type(value) ~= "number" or value ~= value then return self.default end
  if value < self.minimum then value = self.minimum elseif value > self.maximum then value = self.maximum end
  return roundTo(value, self.decimals)
end

function NumberDef:parse_text(text)
  local n = tonumber(needText(self, text))
  if n == nil or n ~= n then invalid(self, "expected a number, got " .. show(text)) end
  if self.decimals == 0 and mtype(n) == "float" then n = tointeger(n) or n end
  return self:validate(n)
end

---------------------------------------------------------------------------------------------
-- TextDef

--- A string; single-line unless `multiline`, matching `regex` (ICU syntax, anchored at the
--- start as Python's re.match) when given. `placeholder` is shown in an empty field.
local TextDef = AbstractAttrDef:extend("TextDef")
M.TextDef = TextDef
TextDef.type = "text"
TextDef.options = { default = "string", multiline = "boolean", regex = "string", placeholder = "string" }
TextDef.type_attributes = { "multiline", "placeholder", "regex" }

function TextDef:setup(opts)
  local name = getmetatable(self).name
  if opts.regex ~= nil and not pcall(regexMatch, opts.regex, "") then
    fail(format("%s: option 'regex' is not a valid regular expression: %s", name, show(opts.regex)))
  end
  self.default = opts.default or ""
  self.multiline = opts.multiline or false
  self.regex = opts.regex
  self.placeholder = opts.placeholder
end

function TextDef:is_value_valid(value)
  if type(value) ~= "string" then return false, "expected text, got " .. got(value) end
  if not self.multiline and value:find("[\r\n]") then
    return false, show(value) .. " has a line break, but the attribute is single-line"
  end
  if self.regex and not regexMatch(self.regex, value) then
    return false, format("%s does not match the pattern %s", show(value), show(self.regex))
  end
  return true
end

--- Strings as they are, numbers as text; anything else gives the default.
function TextDef:convert_value(value)
  if type(value) == "string" then return value end
  if type(value) == "number" then return display(value) end
  return self.default
end

--- The text as it is (not trimmed), if valid.
function TextDef:parse_text(text)
  if type(text) ~= "string" then
    fail(format("%s:parse_text: argument 'text' must be a string, got %s", className(self), got(text)))
  end
  return self:validate(text)
end

---------------------------------------------------------------------------------------------
-- EnumDef

local function isScalar(v)
  local t = type(v)
  return t == "string" or t == "boolean" or (t == "number" and v == v)
end

local function itemOrder(a, b)
  local ta, tb = type(a.value), type(b.value)
  if ta ~= tb then return ta < tb end
  if ta == "boolean" then return (not a.value) and b.value end
  return a.value < b.value
end

-- The items in one form, {{value = v, label = "text"}, ...}: from a list of values, of
-- {value =, label =} tables or {value, label} pairs, or a table of value = label (sorted by value).
local function prepareItems(name, items)
  local out, seen = {}, {}
  local function add(value, label, where)
    if not isScalar(value) then
      fail(format("%s: option 'items' %s: value must be a string, number or boolean, got %s", name, where, got(value)))
    end
    if label == nil or isNull(label) then label = display(value) end
    if type(label) ~= "string" then
      fail(format("%s: option 'items' %s: label must be a string, got %s", name, where, got(label)))
    end
    if seen[value] then fail(format("%s: option 'items' has the value %s twice", name, show(value))) end
    seen[value] = true
    out[#out + 1] = { value = value, label = label }
  end
  local n = #items
  if isList(items) then
    for i = 1, n do
      local item = items[i]
      local where = "item " .. i
      if type(item) == "table" then
        if item.value ~= nil then
          add(item.value, item.label, where)
        elseif #item == 1 or #item == 2 then
          add(item[1], item[2], where)
        else
          fail(format("%s: option 'items' %s has no 'value'", name, where))
        end
      else
        add(item, nil, where)
      end
    end
  elseif n > 0 then
    fail(format("%s: option 'items' mixes list items and value = label entries", name))
  else
    local entries = {}
    for value, label in pairs(items) do entries[#entries + 1] = { value = value, label = label } end
    sort(entries, itemOrder)
    for _, entry in ipairs(entries) do add(entry.value, entry.label, "entry " .. show(entry.value)) end
  end
  return out
end

--- One of `items` (or a list of them with `multiselection`). `items`: a list of values, of
--- {value =, label =} tables, or a table of value = label. The default is the first item, or
--- {} with `multiselection`.
local EnumDef = AbstractAttrDef:extend("EnumDef")
M.EnumDef = EnumDef
EnumDef.type = "enum"
EnumDef.options = { items = "items", multiselection = "boolean", placeholder = "string" }
EnumDef.type_attributes = { "items", "multiselection", "placeholder" }

function EnumDef:setup(opts)
  local name = getmetatable(self).name
  local multiselection = opts.multiselection or false
  local items = prepareItems(name, opts.items or {})
  if #items == 0 and not multiselection then
    fail(format("%s: option 'items' must not be empty", name))
  end
  self.items = items
  self.multiselection = multiselection
  self.placeholder = opts.placeholder
  self._values = {}
  for _, item in ipairs(items) do self._values[item.value] = true end

  local default = opts.default
  if default == nil then
    if multiselection then default = {} else default = items[1].value end
  else
    if multiselection and not isList(default) then
      fail(format("%s: option 'default' must be a list of item values (multiselection), got %s", name, got(default)))
    end
    local ok, reason = EnumDef.is_value_valid(self, default)
    if not ok then fail(format("%s: option 'default' is invalid: %s", name, reason)) end
    default = deepCopy(default)
  end
  self.default = default
end

function EnumDef:_choices()
  local shown = {}
  for i, item in ipairs(self.items) do
    if i > 12 then shown[#shown + 1] = "..."; break end
    shown[#shown + 1] = show(item.value)
  end
  if #shown == 0 then return "no items" end
  return concat(shown, ", ")
end

function EnumDef:_notAnItem(value)
  if #self.items == 0 then return show(value) .. " is not an item (there are none)" end
  return format("%s is not one of %s", show(value), self:_choices())
end

function EnumDef:is_value_valid(value)
  if self.multiselection then
    if not isList(value) then return false, "expected a list of items, got " .. got(value) end
    for _, v in ipairs(value) do
      if not (isScalar(v) and self._values[v]) then return false, self:_notAnItem(v) end
    end
    return true
  end
  if type(value) == "table" then return false, "expected one item, got a table" end
  if isScalar(value) and self._values[value] then return true end
  return false, self:_notAnItem(value)
end

-- The item value `v` stands for: itself, or the item whose value text or label it is.
function EnumDef:_find(v, loose)
  if isScalar(v) and self._values[v] then return v end
  if type(v) ~= "string" then return nil end
  for _, item in ipairs(self.items) do
    if display(item.value) == v then return item.value end
  end
  for _, item in ipairs(self.items) do
    if item.label == v then return item.value end
  end
  if loose then
    local lower = v:lower()
    for _, item in ipairs(self.items) do
      if display(item.value):lower() == lower or item.label:lower() == lower then return item.value end
    end
  end
  return nil
end

--- Item values as they are, and text naming an item by value or label; with multiselection a
--- list of them (items not found are dropped, a single item becomes a list of one). Anything
--- else gives the default.
function EnumDef:convert_value(value)
  if not self.multiselection then
    local v = self:_find(value)
    if v == nil then return self.default end
    return v
  end
  if value == nil or isNull(value) then return deepCopy(self.default) end
  if type(value) ~= "table" then
    local v = self:_find(value)
    if v == nil then return deepCopy(self.default) end
    return { v }
  end
  local out, seen = {}, {}
  for _, item in ipairs(value) do
    local v = self:_find(item)
    if v ~= nil and not seen[v] then seen[v] = true; out[#out + 1] = v end
  end
  return out
end

--- An item by its value text or label (any case); with multiselection comma-separated items.
function EnumDef:parse_text(text)
  local word = needText(self, text)
  if not self.multiselection then
    local v = self:_find(word, true)
    if v == nil then invalid(self, self:_notAnItem(word)) end
    return v
  end
  local out, seen = {}, {}
  for _, part in ipairs(splitCommas(word)) do
    local v = self:_find(part, true)
    if v == nil then invalid(self, self:_notAnItem(part)) end
    if not seen[v] then seen[v] = true; out[#out + 1] = v end
  end
  return out
end

---------------------------------------------------------------------------------------------
-- FileDef

-- The path an AYON file item ({directory =, filenames =, template =, is_sequence =}) stands for.
local function itemPaths(item, out)
  if type(item.directory) ~= "string" or type(item.filenames) ~= "table" then return end
  if item.is_sequence == true and type(item.template) == "string" then
    out[#out + 1] = fs.join(item.directory, item.template)
    return
  end
  for _, filename in ipairs(item.filenames) do
    if type(filename) == "string" then
      out[#out + 1] = item.directory == "" and filename or fs.join(item.directory, filename)
    end
  end
end

local function isSequencePattern(path)
  local base = path:match("([^/]*)$")
  return base:find("#") ~= nil or base:find("%%0?%d*d") ~= nil
end

--- A path (or a list of paths without `single_item`). `extensions` limits files to those
--- endings ({} takes any file); `folders` allows folders (by default only when no extensions
--- are given); `allow_sequences` allows frame patterns such as `shot.####.exr`.
local FileDef = AbstractAttrDef:extend("FileDef")
M.FileDef = FileDef
FileDef.type = "path"
FileDef.options = {
  default = "paths", single_item = "boolean", folders = "boolean", extensions = "strings",
  allow_sequences = "boolean", extensions_label = "string",
}
FileDef.type_attributes = { "single_item", "folders", "extensions", "allow_sequences", "extensions_label" }

function FileDef:setup(opts)
  local name = getmetatable(self).name
  if opts.is_label_horizontal == nil then self.is_label_horizontal = false end
  if opts.single_item == nil then self.single_item = true else self.single_item = opts.single_item end
  if opts.allow_sequences == nil then self.allow_sequences = true else self.allow_sequences = opts.allow_sequences end
  local extensions, seen = {}, {}
  for _, ext in ipairs(opts.extensions or {}) do
    ext = trim(ext):lower()
    if ext:sub(1, 1) ~= "." then ext = "." .. ext end
    if ext == "." then fail(format("%s: option 'extensions' has an empty extension", name)) end
    if not seen[ext] then seen[ext] = true; extensions[#extensions + 1] = ext end
  end
  sort(extensions)
  self.extensions = extensions
  if opts.folders == nil then self.folders = #extensions == 0 else self.folders = opts.folders end
  self.extensions_label = opts.extensions_label

  local default = opts.default
  if self.single_item then
    if default == nil then default = "" end
    if type(default) ~= "string" then
      fail(format("%s: option 'default' must be a path (single_item), got %s", name, got(default)))
    end
  else
    if default == nil then default = {} end
    if type(default) ~= "table" then
      fail(format("%s: option 'default' must be a list of paths (single_item = false), got %s", name, got(default)))
    end
    default = deepCopy(default)
  end
  local ok, reason = FileDef.is_value_valid(self, default)
  if not ok then fail(format("%s: option 'default' is invalid: %s", name, reason)) end
  self.default = default
end

function FileDef:_extensionList()
  return concat(self.extensions, ", ")
end

-- Whether one path is allowed; the reason when not.
function FileDef:_checkPath(path)
  if type(path) ~= "string" then return false, "expected a path, got " .. got(path) end
  if path == "" then return false, "the path is empty" end
  if not self.allow_sequences and isSequencePattern(path) then
    return false, show(path) .. " is a frame sequence, but the attribute takes single files"
  end
  local base = path:match("([^/]*)/*$")
  local folder = path:sub(-1) == "/" or fs.isdir(path)
  if folder then
    if self.folders then return true end
    return false, show(path) .. " is a folder, but the attribute takes files"
  end
  if #self.extensions == 0 then return true end
  local lower = base:lower()
  for _, ext in ipairs(self.extensions) do
    if #lower > #ext and lower:sub(-#ext) == ext then return true end
  end
  if not base:find(".", 2, true) then
    -- no extension: a folder that does not exist yet, as AYON reads it
    if self.folders then return true end
    return false, format("%s has no extension; expected %s", show(path), self:_extensionList())
  end
  return false, format("%s does not end with %s%s", show(path), #self.extensions > 1 and "one of " or "",
    self:_extensionList())
end

function FileDef:is_value_valid(value)
  if self.single_item then
    if type(value) ~= "string" then return false, "expected a path, got " .. got(value) end
    if value == "" then return true end -- no path chosen
    return self:_checkPath(value)
  end
  if not isList(value) then return false, "expected a list of paths, got " .. got(value) end
  for _, path in ipairs(value) do
    local ok, reason = self:_checkPath(path)
    if not ok then return false, reason end
  end
  return true
end

--- Paths (trimmed), lists of paths and AYON file items ({directory =, filenames = ...}): the
--- first path with `single_item`, else the list. Anything else gives the default.
function FileDef:convert_value(value)
  local paths = {}
  if type(value) == "string" then
    paths[1] = trim(value)
  elseif type(value) == "table" then
    if value.directory ~= nil then
      itemPaths(value, paths)
    else
      for _, item in ipairs(value) do
        if type(item) == "string" then
          paths[#paths + 1] = trim(item)
        elseif type(item) == "table" then
          itemPaths(item, paths)
        end
      end
    end
  else
    return deepCopy(self.default)
  end
  if self.single_item then
    return paths[1] or self.default
  end
  return paths
end

--- A path (trimmed); without `single_item` comma-separated paths.
function FileDef:parse_text(text)
  local word = needText(self, text)
  if self.single_item then return self:validate(word) end
  return self:validate(splitCommas(word))
end

---------------------------------------------------------------------------------------------
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
