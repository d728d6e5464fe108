-- CreatedInstance: the metadata of one instance, dict-like as in the seed.
--
--   local inst = CreatedInstance("render", "renderMain", { variant = "Main", asset = "sh010" }, creator)
--   inst.asset = "sh020"                       -- free keys: set, read, remove (= nil)
--   inst.creator_attributes.render_farm = true -- nested values are tracked too
--   inst.family = "other"                      -- error: 'family' is immutable
--   inst:changes()  --> { asset = { "sh010", "sh020" }, creator_attributes = { render_farm = { false, true } } }
--
-- `inst.id` is the instance_id (as AYON's property); `inst:get("id")` reads the stored key
-- "pyblish.avalon.instance". A data key that has the name of a method (`changes`, `get`, ...)
-- is read with `inst:get(key)`. `pairs(inst)` walks the data.

local rscript = require("rscript")
local json = require("rscript.json")
local Object = require("rscript.class")
local copy = require("rscript.create.copy")

local null = rscript.null
local deep, equal, isMap = copy.deep, copy.equal, copy.isMap
local rawget, rawset, type, pairs, next = rawget, rawset, type, pairs, next

local CreatedInstance = Object:extend("CreatedInstance")

--- The value of the immutable key `id`.
CreatedInstance.ID = "pyblish.avalon.instance"

local IMMUTABLE = {
  id = true, instance_id = true, family = true, creator_identifier = true,
  creator_attributes = true, publish_attributes = true,
}
CreatedInstance.IMMUTABLE_KEYS = { "id", "instance_id", "family", "creator_identifier", "creator_attributes", "publish_attributes" }

-- Private slots, keyed by tables so that no data key can reach them.
local DATA, ORIGINAL, CREATOR = {}, {}, {}

local function dataOf(self)
  local data = rawget(self, DATA)
  if not data then error("CreatedInstance: method called on something that is not an instance (use inst:method())", 3) end
  return data
end

local properties = {
  id = function(self) return rawget(self, DATA).instance_id end,
  creator = function(self) return rawget(self, CREATOR) end,
  create_context = function(self)
    local creator = rawget(self, CREATOR)
    return creator and creator.create_context or nil
  end,
}

CreatedInstance.__index = function(self, key)
  local property = properties[key]
  if property then return property(self) end
  local member = getmetatable(self)[key]
  if type(member) == "function" then return member end
  return rawget(self, DATA)[key]
end

CreatedInstance.__newindex = function(self, key, value)
  local data = rawget(self, DATA)
  if IMMUTABLE[key] then
    if equal(data[key], value) then return end
    if key == "id" and value == data.instance_id then return end  -- `inst.id = inst.id`
    error(string.format("CreatedInstance: key '%s' is immutable (instance %s '%s')",
      tostring(key), tostring(data.instance_id), tostring(data.subset)), 2)
  end
  if properties[key] then
    error(string.format("CreatedInstance: '%s' is a read-only property", key), 2)
  end
  data[key] = value
end

CreatedInstance.__pairs = function(self)
  return next, rawget(self, DATA), nil
end

CreatedInstance.__tostring = function(self)
  local data = rawget(self, DATA)
  return string.format("CreatedInstance(%s, %s, %s)", tostring(data.subset), tostring(data.family), tostring(data.instance_id))
end

local function checkString(name, value, position)
  if type(value) ~= "string" or value == "" then
    error(string.format("CreatedInstance: argument '%s' must be a non-empty string, got %s", name,
      value == nil and "nil" or type(value)), position)
  end
end

--- `CreatedInstance(family, subset_name, data, creator)`. `data` gives the free keys (variant,
--- asset, task, active, ...) and may give instance_id, creator_attributes, publish_attributes.
--- creator_attributes start from the defaults of `creator:get_instance_attr_defs()`, and
--- publish_attributes from the defaults of the publish plugins of the creator's context.
function CreatedInstance:init(family, subset_name, data, creator)
  checkString("family", family, 4)
  checkString("subset_name", subset_name, 4)
  if data ~= nil and type(data) ~= "table" then
    error("CreatedInstance: argument 'data' must be a table, got " .. type(data), 4)
  end
  if type(creator) ~= "table" or type(creator.identifier) ~= "string" then
    error("CreatedInstance: argument 'creator' must be a creator (with an identifier), got " .. type(creator), 4)
  end
  data = data or {}
  local d = json.object({})
  for k, v in pairs(data) do d[k] = deep(v) end
  d.id = CreatedInstance.ID
  if type(d.instance_id) ~= "string" or d.instance_id == "" then d.instance_id = rscript.uuid() end
  d.family = family
  d.subset = subset_name
  if d.active == nil then d.active = true end
  if d.task == nil then d.task = null end
  d.creator_identifier = creator.identifier

  local attributes = json.object({})
  local defaults = creator.get_instance_attr_defaults and creator:get_instance_attr_defaults() or {}
  for key, value in pairs(defaults) do attributes[key] = deep(value) end
  if type(data.creator_attributes) == "table" then
    for key, value in pairs(data.creator_attributes) do attributes[key] = deep(value) end
  end
  d.creator_attributes = attributes

  local publish = json.object({})
  if type(data.publish_attributes) == "table" then
    for plugin, values in pairs(data.publish_attributes) do
      publish[plugin] = type(values) == "table" and json.object(deep(values)) or values
    end
  end
  local context = creator.create_context
  if context and context._fill_publish_attributes then
    context:_fill_publish_attributes(d, publish)
  end
  d.publish_attributes = publish

  rawset(self, DATA, d)
  rawset(self, CREATOR, creator)
  rawset(self, ORIGINAL, deep(d))
end

--- `CreatedInstance.from_existing(data, creator)`: an instance from stored data (as
--- `pipeline.list_instances()` gives it); it has no changes until something is set.
function CreatedInstance.from_existing(data, creator)
  if type(data) ~= "table" then
    error("CreatedInstance.from_existing: argument 'data' must be a table, got " .. type(data), 2)
  end
  if type(data.family) ~= "string" or data.family == "" then
    error(string.format("CreatedInstance.from_existing: instance %s has no family", tostring(data.instance_id)), 2)
  end
  local subset = data.subset
  if type(subset) ~= "string" or subset == "" then subset = data.family end
  return CreatedInstance(data.family, subset, data, creator)
end

--- The value of a data key (also of keys named like methods), or `default`.
function CreatedInstance:get(key, default)
  local value = dataOf(self)[key]
  if value == nil then return default end
  return value
end

--- Whether the data has `key`.
function CreatedInstance:has(key)
  return dataOf(self)[key] ~= nil
end

--- The data keys, sorted.
function CreatedInstance:keys()
  local keys = {}
  for key in pairs(dataOf(self)) do keys[#keys + 1] = key end
  table.sort(keys)
  return keys
end

--- The data to store in the workfile: a deep copy, JSON-ready (`task = null` stays).
function CreatedInstance:data_to_store()
  return deep(dataOf(self))
end

-- { key = { old, new } } for keys whose value changed; nested objects give nested changes.
-- A key added has old = null, a key removed has new = null.
local function diff(old, new)
  local result = {}
  for key, value in pairs(new) do
    local before = old[key]
    if before == nil then
      result[key] = { null, deep(value) }
    elseif not equal(before, value) then
      if type(before) == "table" and type(value) == "table" and isMap(before) and isMap(value)
        and next(before) ~= nil and next(value) ~= nil then
        result[key] = diff(before, value)
      else
        result[key] = { deep(before), deep(value) }
      end
    end
  end
  for key, before in pairs(old) do
    if new[key] == nil then result[key] = { deep(before), null } end
  end
  return result
end

--- What changed since the instance was made or last saved: `{ key = { old, new } }`, and for
--- a nested object (creator_attributes, publish_attributes and its plugins) a table of its
--- changed keys in the same form. Empty when nothing changed.
function CreatedInstance:changes()
  return diff(rawget(self, ORIGINAL) or {}, dataOf(self))
end

--- Whether anything changed since the instance was made or last saved.
function CreatedInstance:has_changes()
  return not equal(rawget(self, ORIGINAL) or {}, dataOf(self))
end

--- Forgets the changes: the current data is what is stored (CreateContext calls it once the
--- creator saved the instance).
function CreatedInstance:mark_as_saved()
  rawset(self, ORIGINAL, deep(dataOf(self)))
end

--- The instance's families: its family, then data.families.
function CreatedInstance:get_families()
  local data = dataOf(self)
  local families = { data.family }
  if type(data.families) == "table" then
    for _, family in ipairs(data.families) do
      if family ~= data.family then families[#families + 1] = family end
    end
  end
  return families
end

return CreatedInstance
