-- rscript.pyblish Context and Instance: pyblish.api.Context and pyblish.api.Instance.
--
-- A Context has `data` (the context data) and holds its instances as an array:
-- `for _, instance in ipairs(context) do ... end`, `#context`. An Instance has `data` (the
-- instance data; the same table that was handed in, so what plugins write there stays visible),
-- `name`, `id` and `context`.

local Object = require("rscript.class")

local type, tostring, error, format, ipairs = type, tostring, error, string.format, ipairs

local M = {}

local function normalizeFamilies(value)
  if value == nil then return {} end
  if type(value) == "string" then return { value } end
  if type(value) ~= "table" then return {} end
  local list = {}
  for _, family in ipairs(value) do list[#list + 1] = family end
  return list
end

local function newId()
  local ok, rs = pcall(require, "rscript")
  if ok and type(rs) == "table" and rs.uuid then return rs.uuid() end
  return (tostring({}):gsub("^table: ", ""))
end

---@class rscript.pyblish.Instance
local Instance = Object:extend("Instance")

-- Instance(name, data, context): fills data.name, data.label, data.families (a list) and
-- data.publish (true unless data.active or data.publish is false).
function Instance:init(name, data, context)
  if data == nil then data = {} end
  if type(data) ~= "table" then
    error(format("Instance: argument 'data' must be a table, got %s", type(data)), 3)
  end
  if name == nil then
    name = data.subset or data.name or data.label or data.instance_id
  end
  if name == nil then name = "instance" end
  name = tostring(name)
  data.name = name
  if data.label == nil then data.label = name end
  data.families = normalizeFamilies(data.families)
  if data.publish == nil then data.publish = data.active ~= false end
  self.name = name
  self.data = data
  self.context = context
  local id = data.instance_id
  if type(id) ~= "string" then id = newId() end
  self.id = id
end

function Instance:__tostring()
  return self.name
end

--- The instance's families: its family, then data.families.
function Instance:families()
  local families = {}
  local data = self.data
  if type(data.family) == "string" then families[1] = data.family end
  for _, family in ipairs(normalizeFamilies(data.families)) do
    local seen = false
    for _, f in ipairs(families) do if f == family then seen = true break end end
    if not seen then families[#families + 1] = family end
  end
  return families
end

--- Whether the instance takes part in the publish (data.active and data.publish not false).
function Instance:is_active()
  return self.data.active ~= false and self.data.publish ~= false
end

---@class rscript.pyblish.Context
local Context = Object:extend("Context")

function Context:init(data)
  if data == nil then data = {} end
  if type(data) ~= "table" then
    error(format("Context: argument 'data' must be a table, got %s", type(data)), 3)
  end
  self.data = data
end

function Context:__tostring()
  return "Context"
end

--- Makes an Instance named `name` with `data` (a table, used as is) and adds it.
function Context:create_instance(name, data)
  local instance = Instance(name, data, self)
  self[#self + 1] = instance
  return instance
end

--- Adds an existing Instance (it moves to this context).
function Context:add(instance)
  for _, existing in ipairs(self) do
    if existing == instance then return instance end
  end
  instance.context = self
  self[#self + 1] = instance
  return instance
end

--- Removes an Instance; returns whether it was there.
function Context:remove(instance)
  for i, existing in ipairs(self) do
    if existing == instance then
      table.remove(self, i)
      return true
    end
  end
  return false
end

--- The instances as a new list.
function Context:instances()
  local list = {}
  for i, instance in ipairs(self) do list[i] = instance end
  return list
end

M.Context = Context
M.Instance = Instance

return M
