-- rscript.pyblish plugins: pyblish.api.ContextPlugin and InstancePlugin with AYON's
-- publish-attribute extension (OpenPypePyblishPluginMixin / OptionalPyblishPluginMixin).
--
--   local ValidateFrames = pyblish.InstancePlugin:extend("ValidateFrames")
--   ValidateFrames.order = pyblish.ValidatorOrder
--   ValidateFrames.families = {"render"}
--   function ValidateFrames:process(instance) ... end
--
-- The plugin's name is its class name (ValidateFrames.name); its publish attributes are stored on
-- instances under publish_attributes[name].

local Object = require("rscript.class")

local type, tostring, error, format, select, pcall = type, tostring, error, string.format, select, pcall
local ipairs, pairs, rawget, getmetatable, setmetatable = ipairs, pairs, rawget, getmetatable, setmetatable

local M = {}

M.CollectorOrder = 0
M.ValidatorOrder = 1
M.ExtractorOrder = 2
M.IntegratorOrder = 3

-- MARK: Logger

local LEVELS = { debug = "debug", info = "info", warning = "warning", warn = "warning", error = "error",
  critical = "critical" }

-- Builds a message the way Python's logging does with %-style arguments: string.format when
-- arguments follow, else tostring.
local function formatMessage(message, ...)
  if select("#", ...) == 0 then return tostring(message) end
  if type(message) == "string" then
    local ok, text = pcall(format, message, ...)
    if ok then return text end
  end
  local parts = { tostring(message) }
  for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
  return table.concat(parts, " ")
end

--- A plugin's `self.log`: debug/info/warning/error/critical record lines (they go into the
--- publish report; nothing is printed). Works as `self.log:info(...)` and `self.log.info(...)`.
--- `lines` holds `{ level = "info", message = "..." }` entries; `on_line(entry)`, when set, is
--- called for each new line.
function M.new_logger(on_line)
  local logger = { lines = {}, on_line = on_line }
  for method, level in pairs(LEVELS) do
    logger[method] = function(first, ...)
      local entry
      if first == logger then
        entry = { level = level, message = formatMessage(...) }
      else
        entry = { level = level, message = formatMessage(first, ...) }
      end
      local lines = logger.lines
      lines[#lines + 1] = entry
      if logger.on_line then logger.on_line(entry) end
    end
  end
  return logger
end

-- MARK: Plugins

---@class rscript.pyblish.Plugin
local Plugin = Object:extend("Plugin")
Plugin.order = -1
Plugin.families = { "*" }
Plugin.hosts = { "*" }
Plugin.targets = { "default" }
Plugin.label = nil  -- defaults to the class name
Plugin.active = true
Plugin.optional = false
Plugin.__instanceEnabled__ = false

function Plugin:init()
  if rawget(self, "log") == nil then self.log = M.new_logger() end
end

--- Does nothing; subclasses override it: process(self, context) or process(self, instance).
function Plugin:process() end

function Plugin:__tostring()
  local class = getmetatable(self)
  return tostring(class.label or class.name)
end

--- Publish attribute definitions of this plugin (a class method: `self` is the class). The
--- default has none; an optional plugin gets its `active` BoolDef from `attribute_defs_for`.
function Plugin:get_attribute_defs()
  return {}
end

--- Converts stored attribute values of this plugin (publish_attributes[PluginName]) to the
--- current definitions: each value of a definition goes through `convert_value`, missing keys
--- get their default, other (legacy) keys are kept. Returns a new table. A class method.
function Plugin:convert_attribute_values(values)
  local class = M.class_of(self)
  local converted = {}
  if type(values) == "table" then
    for key, value in pairs(values) do converted[key] = value end
  end
  for _, def in ipairs(M.attribute_defs_for(class)) do
    if def.is_value_def ~= false and def.key ~= nil then
      local value = converted[def.key]
      if value == nil then
        converted[def.key] = def.default
      elseif def.convert_value then
        converted[def.key] = def:convert_value(value)
      end
    end
  end
  return converted
end

--- The values stored for this plugin in `data.publish_attributes[PluginName]` (instance or
--- context data), converted by `convert_attribute_values` (so defaults are filled in).
function Plugin:get_attr_values_from_data(data)
  local class = M.class_of(self)
  local values = M.stored_values(class, data)
  return class:convert_attribute_values(values or {})
end

--- For an optional plugin: whether the stored `active` value (or, when none, the class's
--- `active`) enables it for this instance or context data. A plugin that is not optional is
--- always active here.
function Plugin:is_active(data)
  local class = M.class_of(self)
  return M.enabled_for(class, data)
end

local ContextPlugin = Plugin:extend("ContextPlugin")
ContextPlugin.__instanceEnabled__ = false

local InstancePlugin = Plugin:extend("InstancePlugin")
InstancePlugin.__instanceEnabled__ = true

M.Plugin = Plugin
M.ContextPlugin = ContextPlugin
M.InstancePlugin = InstancePlugin

-- MARK: Helpers

--- Whether `value` is a plugin class (a subclass of ContextPlugin or InstancePlugin).
function M.is_plugin_class(value)
  if type(value) ~= "table" then return false end
  local mt = getmetatable(value)
  -- a class's metatable is the class machinery's, not a class (whose __index is itself)
  if type(mt) == "table" and rawget(mt, "__index") == mt then return false end
  local ok, result = pcall(Object.is, value, Plugin)
  return ok and result == true and value ~= Plugin and value ~= ContextPlugin and value ~= InstancePlugin
end

--- The class of a plugin class or plugin object.
function M.class_of(value)
  local mt = getmetatable(value)
  if type(mt) == "table" and rawget(mt, "__index") == mt then return mt end
  return value
end

--- A list from a string-or-list field (families, hosts, targets).
function M.as_list(value)
  if value == nil then return {} end
  if type(value) == "string" then return { value } end
  if type(value) == "table" then return value end
  return {}
end

--- Whether `list` holds `value`.
local function contains(list, value)
  for _, item in ipairs(list) do
    if item == value then return true end
  end
  return false
end
M.contains = contains

--- The label shown for a plugin: its `label`, else its class name.
function M.label_of(class)
  class = M.class_of(class)
  local label = class.label
  if type(label) == "string" and label ~= "" then return label end
  return class.name
end

--- An instance's families: its family, then the entries of data.families (no repeats).
--- Takes an Instance or its data table.
function M.instance_families(instance)
  if type(instance) == "table" and type(instance.families) == "function" then
    return instance:families()  -- an Instance
  end
  local data = instance
  local families = {}
  if type(data) ~= "table" then return families end
  if type(data.family) == "string" then families[1] = data.family end
  for _, family in ipairs(M.as_list(data.families)) do
    if not contains(families, family) then families[#families + 1] = family end
  end
  return families
end

--- Whether a plugin (class or object) handles any of `families` (a list or one string):
--- "*" in the plugin's families matches everything, else the two lists must share an entry.
function M.plugin_matches_family(plugin, families)
  local class = M.class_of(plugin)
  local own = M.as_list(class.families)
  if contains(own, "*") then return true end
  for _, family in ipairs(M.as_list(families)) do
    if contains(own, family) then return true end
  end
  return false
end

--- Whether a plugin handles an instance (an Instance or instance data), by family.
function M.plugin_matches_instance(plugin, instance)
  return M.plugin_matches_family(plugin, M.instance_families(instance))
end

--- Whether a plugin runs in `host` ("*" in its hosts matches any host).
function M.plugin_matches_host(plugin, host)
  local hosts = M.as_list(M.class_of(plugin).hosts)
  return contains(hosts, "*") or contains(hosts, host)
end

--- Whether a plugin runs for `targets` (a list): one of its targets is among them ("*" matches
--- any).
function M.plugin_matches_targets(plugin, targets)
  local own = M.as_list(M.class_of(plugin).targets)
  if contains(own, "*") then return true end
  for _, target in ipairs(M.as_list(targets)) do
    if contains(own, target) then return true end
  end
  return false
end

local AD  -- rscript.attribute_definitions, loaded when first needed

local function attributeDefinitions()
  if AD == nil then AD = require("rscript.attribute_definitions") end
  return AD
end

--- Every publish attribute definition of a plugin: those of `get_attribute_defs()`, and for an
--- optional plugin first an `active` BoolDef (default: the class's `active`, label: its label),
--- unless get_attribute_defs already has one.
function M.attribute_defs_for(plugin)
  local class = M.class_of(plugin)
  local defs = {}
  local own = class.get_attribute_defs and class:get_attribute_defs() or {}
  if type(own) ~= "table" then
    error(format("%s.get_attribute_defs must return a list, got %s", tostring(class.name), type(own)), 2)
  end
  local hasActive = false
  for _, def in ipairs(own) do
    if type(def) == "table" and def.key == "active" then hasActive = true end
  end
  if class.optional and not hasActive then
    defs[1] = attributeDefinitions().BoolDef("active", {
      default = class.active ~= false,
      label = M.label_of(class),
    })
  end
  for _, def in ipairs(own) do defs[#defs + 1] = def end
  return defs
end

--- The definitions a plugin offers on an instance (its data or Instance): those of
--- `attribute_defs_for` when it is an InstancePlugin whose families match, else none.
function M.attribute_defs_for_instance(plugin, instance)
  local class = M.class_of(plugin)
  if not class.__instanceEnabled__ or not M.plugin_matches_instance(class, instance) then return {} end
  return M.attribute_defs_for(class)
end

--- The definitions a ContextPlugin offers on the context (an InstancePlugin offers none).
function M.attribute_defs_for_context(plugin)
  local class = M.class_of(plugin)
  if class.__instanceEnabled__ then return {} end
  return M.attribute_defs_for(class)
end

--- data.publish_attributes[PluginName], or nil.
function M.stored_values(plugin, data)
  if type(data) ~= "table" then return nil end
  local all = data.publish_attributes
  if type(all) ~= "table" then return nil end
  local values = all[M.class_of(plugin).name]
  if type(values) ~= "table" then return nil end
  return values
end

--- Whether a plugin is enabled for instance or context data: a plugin that is not optional is;
--- an optional one uses publish_attributes[PluginName].active when it is a boolean, else the
--- class's `active`.
function M.enabled_for(plugin, data)
  local class = M.class_of(plugin)
  if not class.optional then return true end
  local values = M.stored_values(class, data)
  if values and type(values.active) == "boolean" then return values.active end
  return class.active ~= false
end

return M
