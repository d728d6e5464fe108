-- BaseCreator, Creator and AutoCreator: the seed's creator plugins.
--
-- The default collect_instances, update_instances and remove_instances work on the JSON
-- workfile through rscript.pipeline (the "host specific base class" the seed recommends), so a
-- creator that stores its instances there only writes `create`. Override them for other
-- storage, as the seed's examples do.

local Object = require("rscript.class")
local log = require("rscript.log")
local pipeline = require("rscript.pipeline")
local CreatedInstance = require("rscript.create.instance")
local errors = require("rscript.create.errors")
local subsetname = require("rscript.create.subsetname")

local creators = {}

-- `self.log` of a creator: rscript.log lines tagged with the creator.
local Logger = {}
Logger.__index = Logger
for _, level in ipairs({ "trace", "debug", "info", "notice", "warning", "error", "critical" }) do
  Logger[level] = function(self, message, fields)
    fields = fields or {}
    fields.creator = self.name
    log[level](tostring(message), fields)
  end
end
Logger.warn = Logger.warning

local BaseCreator = Object:extend("BaseCreator")
BaseCreator.family = nil
BaseCreator.identifier = nil
BaseCreator.label = nil
BaseCreator.icon = nil
BaseCreator.enabled = true
BaseCreator.order = 100
BaseCreator.description = nil
BaseCreator.detailed_description = nil
BaseCreator.subset_template = "{family}{Variant}"

--- `Creator(create_context, system_settings, project_settings)`; subclasses that override
--- it call `MyCreator.super.init(self, create_context, system_settings, project_settings)`.
function BaseCreator:init(create_context, system_settings, project_settings)
  self.create_context = create_context
  self.system_settings = system_settings or {}
  self.project_settings = project_settings or {}
  self.identifier = self.identifier or self.family
  self.log = setmetatable({ name = tostring(self.identifier) }, Logger)
end

--- The identifier a creator class will have: its `identifier`, else its `family`.
function creators.identifierOf(class)
  return class.identifier or class.family
end

function BaseCreator:get_icon() return self.icon end
function BaseCreator:get_label() return self.label or self.identifier end
function BaseCreator:get_description() return self.description end
function BaseCreator:get_detailed_description() return self.detailed_description end

--- Attribute definitions of each instance's creator_attributes (none by default).
function BaseCreator:get_instance_attr_defs() return {} end

--- The default creator_attributes: the defaults of get_instance_attr_defs(), worked out once
--- per reset of the context.
function BaseCreator:get_instance_attr_defaults()
  local cached = rawget(self, "_instance_attr_defaults")
  if cached then return cached end
  local defaults = {}
  for _, def in ipairs(self:get_instance_attr_defs() or {}) do
    if def.is_value_def ~= false and def.key ~= nil then defaults[def.key] = def.default end
  end
  rawset(self, "_instance_attr_defaults", defaults)
  return defaults
end

--- Extra values for the subset template (none by default).
function BaseCreator:get_dynamic_data(variant, task_name, asset_doc, project_name, host_name, instance)
  return {}
end

--- The subset name from `subset_template` ("{family}{Variant}" by default), with family,
--- variant, task, asset, project, host and get_dynamic_data(...) as its keys.
function BaseCreator:get_subset_name(variant, task_name, asset_doc, project_name, host_name, instance)
  local values = {
    family = self.family,
    variant = variant,
    task = task_name,
    asset = type(asset_doc) == "table" and asset_doc.name or asset_doc,
    project = project_name,
    host = host_name,
  }
  local dynamic = self:get_dynamic_data(variant, task_name, asset_doc, project_name, host_name, instance) or {}
  for key, value in pairs(dynamic) do values[key:lower()] = value end
  return subsetname.format(self.subset_template, values)
end

--- Collects this creator's instances from the workfile into the context.
function BaseCreator:collect_instances()
  for _, instance_data in ipairs(self.create_context:_stored_instances()) do
    if instance_data.creator_identifier == self.identifier then
      local instance = CreatedInstance.from_existing(instance_data, self)
      self:_add_instance_to_context(instance)
    end
  end
end

--- Writes changed instances to the workfile; `update_list` holds `{ instance, changes }`
--- pairs (also as `.instance` and `.changes`).
function BaseCreator:update_instances(update_list)
  for _, item in ipairs(update_list) do
    local instance = item[1]
    pipeline.imprint(instance.id, instance:data_to_store())
  end
end

--- Removes instances from the workfile and from the context.
function BaseCreator:remove_instances(instances)
  for _, instance in ipairs(instances) do
    pipeline.remove_instance(instance.id)
    self:_remove_instance_from_context(instance)
  end
end

function BaseCreator:create()
  error(string.format("creator '%s' does not implement create", tostring(self.identifier)), 2)
end

function BaseCreator:_add_instance_to_context(instance)
  self.create_context:_add_instance(instance, self)
end

function BaseCreator:_remove_instance_from_context(instance)
  self.create_context:_remove_instance(instance)
end

creators.BaseCreator = BaseCreator

--- A creator the artist (or a pipeline command) triggers: `create(subset_name, instance_data,
--- pre_create_data)`.
local Creator = BaseCreator:extend("Creator")
Creator.create_allow_context_change = true
Creator.default_variants = {}
Creator.default_variant = nil

function Creator:get_default_variants() return self.default_variants or {} end

--- The variant prefilled for the artist: `default_variant`, else the first default variant,
--- else "Main".
function Creator:get_default_variant()
  if self.default_variant then return self.default_variant end
  local variants = self:get_default_variants()
  if variants and variants[1] then return variants[1] end
  return "Main"
end

--- Attribute definitions filled before creation and passed to create (none by default).
function Creator:get_pre_create_attr_defs() return {} end

--- The default creation: a new instance with `instance_data`, stored and added.
function Creator:create(subset_name, instance_data, pre_create_data)
  local instance = CreatedInstance(self.family, subset_name, instance_data, self)
  pipeline.imprint(instance.id, instance:data_to_store())
  self:_add_instance_to_context(instance)
  return instance
end

creators.Creator = Creator

--- A creator run on every reset, after all instances are collected: `create()` takes no
--- arguments. Removing its instances does nothing (they would be made again at once).
local AutoCreator = BaseCreator:extend("AutoCreator")
function AutoCreator:remove_instances(instances) end
function AutoCreator:get_default_variant() return "Main" end
creators.AutoCreator = AutoCreator

--- Why `class` cannot be registered as a creator, or nil.
function creators.problemWith(class)
  if type(class) ~= "table" or type(class.is) ~= "function" or not class:is(BaseCreator) then
    return "is not a creator class (subclass Creator or AutoCreator from rscript.create)"
  end
  if class == BaseCreator or class == Creator or class == AutoCreator then
    return "is a base class; register a subclass"
  end
  if type(class.family) ~= "string" or class.family == "" then
    return "has no family (set MyCreator.family)"
  end
  local identifier = creators.identifierOf(class)
  if type(identifier) ~= "string" or identifier == "" then
    return "has no identifier"
  end
  if class.create == BaseCreator.create then
    return "does not implement create"
  end
  return nil
end

return creators
