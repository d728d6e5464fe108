-- rscript.attribute_definitions.abstract: AbstractAttrDef, what every attribute definition has: option parsing, the common fields,
-- validation, serialization, cloning and comparison. Part of rscript.attribute_definitions.

local Object = require("rscript.class")
local rs = require("rscript")
local S = require("rscript.attribute_definitions.support")

local type, pairs, ipairs, tostring, getmetatable, rawget = type, pairs, ipairs, tostring, getmetatable, rawget
local format, concat, sort = string.format, table.concat, table.sort
local isNull, uuid = rs.isNull, rs.uuid
local fail, show, got, trim, deepCopy, deepEqual, KINDS, kindOf = S.fail, S.show, S.got, S.trim, S.deepCopy, S.deepEqual, S.KINDS, S.kindOf

-- AbstractAttrDef: what every definition has

local AbstractAttrDef = Object:extend("AbstractAttrDef")

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

return {
  AbstractAttrDef = AbstractAttrDef,
  isClass = isClass,
  isDef = isDef,
  className = className,
  sortedNames = sortedNames,
  invalid = invalid,
  needText = needText,
}
