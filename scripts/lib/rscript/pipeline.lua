-- rscript.pipeline: the host API over a JSON workfile, named as the seed's `pipeline` module.
--
-- rscript has no DCC scene, so instance metadata lives in a JSON workfile:
--
--   { "schema": "rscript.workfile", "schema_version": 1,
--     "context": { "project": ..., "asset": ..., "task": ..., ... },
--     "instances": { "<instance_id>": { ...data_to_store()... }, ... },
--     "items": [ ... ] }
--
-- Every write is atomic (a new file renamed over the old). A workfile that is not valid JSON or
-- has another schema version is refused with a clear error and left untouched. Two entries with
-- the same instance_id (a copied entry) are mended on load: the copy gets a new id, with a
-- warning, and the mend is written with the next save.
--
-- One workfile is open at a time, as one scene is open in a DCC: `pipeline.open(path)`.
-- `imprint` and `remove_instance` write at once, unless inside `pipeline.batch(fn)`, which
-- writes once at its end (CreateContext batches its reset, create and save).

local rscript = require("rscript")
local json = require("rscript.json")
local fs = require("rscript.fs")
local copy = require("rscript.create.copy")

local SCHEMA = "rscript.workfile"
local SCHEMA_VERSION = 1

local pipeline = {
  SCHEMA = SCHEMA,
  SCHEMA_VERSION = SCHEMA_VERSION,
}

local current = nil      -- the open workfile: { path, context, instances, order, items, dirty }
local selection = {}     -- items given on the command line (--select)
local batchDepth = 0
local warn = function(message)
  if io then
    io.stderr:write("rscript: warning: ", message, "\n")
  else
    require("rscript.log").warning(message)  -- --safe: no io
  end
end

local function requireOpen(fname)
  if not current then
    error(string.format("pipeline.%s: no workfile is open (call pipeline.open(path) first)", fname), 3)
  end
  return current
end

local function checkId(fname, id)
  if type(id) ~= "string" or id == "" then
    error(string.format("pipeline.%s: argument 'id' must be a non-empty string, got %s", fname, type(id)), 3)
  end
end

-- Strips the `#2` that json.decode's duplicate_keys = "rename" adds to a repeated key.
local function originalKey(key)
  return (key:gsub("#%d+$", ""))
end

local function isObject(value)
  return type(value) == "table" and (next(value) == nil or value[1] == nil)
end

-- Reads and checks a workfile; raises a clear error without touching the file.
local function load(path)
  local ok, text = pcall(fs.read, path)
  if not ok then error(string.format("workfile %s cannot be read: %s", path, text), 0) end
  local decoded, doc = pcall(json.decode, text, { duplicate_keys = "rename" })
  if not decoded then
    error(string.format("workfile %s is not valid JSON: %s", path, doc), 0)
  end
  if type(doc) ~= "table" or not isObject(doc) then
    error(string.format("workfile %s is not a workfile: expected a JSON object at the top", path), 0)
  end
  local version = doc.schema_version
  if doc.schema ~= SCHEMA or math.type(version) ~= "integer" then
    error(string.format("workfile %s is not an rscript workfile: it has no \"schema\": %q with an integer \"schema_version\"",
      path, SCHEMA), 0)
  end
  if version ~= SCHEMA_VERSION then
    error(string.format("workfile %s has schema version %d; this rscript reads version %d (file left untouched)",
      path, version, SCHEMA_VERSION), 0)
  end
  local context = doc.context
  if context == nil or rscript.isNull(context) then context = json.object({}) end
  if not isObject(context) then error(string.format("workfile %s: \"context\" must be an object", path), 0) end
  local entries = doc.instances
  if entries == nil or rscript.isNull(entries) then entries = {} end
  if not isObject(entries) then error(string.format("workfile %s: \"instances\" must be an object keyed by instance_id", path), 0) end

  local file = { path = path, context = context, instances = {}, order = {}, items = {}, dirty = false, warnings = {} }
  if type(doc.items) == "table" then
    for _, item in ipairs(doc.items) do file.items[#file.items + 1] = item end
  end
  -- An entry stored under its own instance_id keeps it: a copy under another key is the one
  -- that gets a new id, whatever the keys' order.
  local keys = {}
  for key in pairs(entries) do keys[#keys + 1] = key end
  local function ownKey(key)
    local data = entries[key]
    return type(data) == "table" and data.instance_id == key
  end
  table.sort(keys, function(a, b)
    local ownA, ownB = ownKey(a), ownKey(b)
    if ownA ~= ownB then return ownA end
    return a < b
  end)
  local firstKeyOf = {}
  for _, key in ipairs(keys) do
    local data = entries[key]
    if type(data) ~= "table" or not isObject(data) then
      error(string.format("workfile %s: instance %q is not an object", path, originalKey(key)), 0)
    end
    local id = data.instance_id
    if type(id) ~= "string" or id == "" then id = originalKey(key) end
    if firstKeyOf[id] then
      local newId = rscript.uuid()
      local first = entries[firstKeyOf[id]]
      local message
      if originalKey(firstKeyOf[id]) == originalKey(key) then
        message = string.format(
          "workfile %s: the instance %s is in \"instances\" twice (a copied entry?): subsets %s and %s; the second (%s) gets the new id %s",
          path, id, tostring(first.subset), tostring(data.subset), tostring(data.subset), newId)
      else
        message = string.format(
          "workfile %s: instances %q and %q have the same instance_id %s (a copied entry?); the copy (subset %s) gets the new id %s",
          path, originalKey(firstKeyOf[id]), originalKey(key), id, tostring(data.subset), newId)
      end
      file.warnings[#file.warnings + 1] = message
      warn(message)
      id = newId
      file.dirty = true
    end
    data.instance_id = id
    firstKeyOf[id] = key
    file.instances[id] = data
    file.order[#file.order + 1] = id
  end
  return file
end

local function write(file)
  if file.read_only then return end
  local instances = json.object({})
  for _, id in ipairs(file.order) do instances[id] = file.instances[id] end
  local doc = {
    schema = SCHEMA,
    schema_version = SCHEMA_VERSION,
    context = json.object(file.context),
    instances = instances,
    items = json.array(file.items),
  }
  fs.write(file.path, json.encode(doc, { pretty = true, sort_keys = true }) .. "\n")
  file.dirty = false
end

local function changed(file)
  file.dirty = true
  if batchDepth == 0 then write(file) end
end

--- Opens a workfile: reads it, or starts an empty one when it does not exist and
--- `options.create` is true (written at the first change). `options.selection` is the list
--- `get_selection()` returns; `options.context` fills context keys the workfile lacks;
--- `options.read_only` keeps every change in memory and never writes the file.
function pipeline.open(path, options)
  if type(path) ~= "string" or path == "" then
    error("pipeline.open: argument 'path' must be a non-empty string, got " .. type(path), 2)
  end
  options = options or {}
  local file
  if fs.exists(path) then
    file = load(path)
  elseif options.create then
    local folder = fs.dirname(path)
    if not fs.isdir(folder) then
      error(string.format("workfile %s cannot be created: folder %s does not exist", path, folder), 0)
    end
    file = { path = path, context = json.object({}), instances = {}, order = {}, items = {}, dirty = true, warnings = {} }
  else
    error(string.format("workfile %s does not exist", path), 0)
  end
  for key, value in pairs(options.context or {}) do
    if file.context[key] == nil then
      file.context[key] = value
      file.dirty = true
    end
  end
  file.read_only = options.read_only == true
  current = file
  selection = {}
  for _, item in ipairs(options.selection or {}) do selection[#selection + 1] = item end
  return pipeline
end

--- Forgets the open workfile (unsaved changes are written first).
function pipeline.close()
  if current and current.dirty and batchDepth == 0 then write(current) end
  current = nil
  selection = {}
end

--- The open workfile's path, or nil.
function pipeline.current_file()
  return current and current.path or nil
end

--- Whether a workfile is open.
function pipeline.is_open()
  return current ~= nil
end

--- The warnings of the last load (duplicate instance ids mended).
function pipeline.warnings()
  return current and copy.deep(current.warnings) or {}
end

--- Every instance's stored data (copies), in the order they were stored.
function pipeline.list_instances()
  local file = requireOpen("list_instances")
  local list = {}
  for k, id in ipairs(file.order) do list[k] = copy.deep(file.instances[id]) end
  return list
end

-- The stored data tables themselves, for CreateContext's collection (CreatedInstance copies
-- what it keeps): not a public API, callers must not change them.
function pipeline._stored_instances()
  local file = requireOpen("list_instances")
  local list = {}
  for k, id in ipairs(file.order) do list[k] = file.instances[id] end
  return list
end

--- One instance's stored data (a copy), or nil.
function pipeline.get_instance(id)
  checkId("get_instance", id)
  local data = requireOpen("get_instance").instances[id]
  return data and copy.deep(data) or nil
end

--- Stores `data` (a table) as the instance `id`, replacing what was stored under that id.
function pipeline.imprint(id, data)
  checkId("imprint", id)
  if type(data) ~= "table" then
    error("pipeline.imprint: argument 'data' must be a table, got " .. type(data), 2)
  end
  local file = requireOpen("imprint")
  local stored = copy.deep(data)
  stored.instance_id = stored.instance_id or id
  if stored.instance_id ~= id then
    error(string.format("pipeline.imprint: data.instance_id %s differs from id %s", tostring(stored.instance_id), id), 2)
  end
  if file.instances[id] == nil then file.order[#file.order + 1] = id end
  file.instances[id] = json.object(stored)
  changed(file)
end

--- Removes the instance `id` from the workfile; whether it was there.
function pipeline.remove_instance(id)
  checkId("remove_instance", id)
  local file = requireOpen("remove_instance")
  if file.instances[id] == nil then return false end
  file.instances[id] = nil
  for k, other in ipairs(file.order) do
    if other == id then table.remove(file.order, k) break end
  end
  changed(file)
  return true
end

--- The items selected for creation: what `--select` gave on the command line.
function pipeline.get_selection()
  local list = {}
  for k, item in ipairs(selection) do list[k] = item end
  return list
end

--- Replaces the selection.
function pipeline.set_selection(items)
  if type(items) ~= "table" then error("pipeline.set_selection: argument 'items' must be a list", 2) end
  selection = {}
  for _, item in ipairs(items) do selection[#selection + 1] = item end
end

--- Makes a new write item in the workfile (`write1`, `write2`, ...) and returns its name: the
--- stand-in for a DCC's "create a write node" when nothing is selected.
function pipeline.create_write()
  local file = requireOpen("create_write")
  local taken = {}
  for _, item in ipairs(file.items) do taken[item] = true end
  local n = 1
  while taken["write" .. n] do n = n + 1 end
  local name = "write" .. n
  file.items[#file.items + 1] = name
  changed(file)
  return name
end

--- The workfile's items (write items made by create_write).
function pipeline.list_items()
  return copy.deep(requireOpen("list_items").items)
end

--- The workfile's context data (a copy): project, asset, task and anything stored.
function pipeline.get_context_data()
  return copy.deep(requireOpen("get_context_data").context)
end

--- Sets context keys (a value of `null` stores JSON null).
function pipeline.update_context_data(values)
  if type(values) ~= "table" then error("pipeline.update_context_data: argument 'values' must be a table", 2) end
  local file = requireOpen("update_context_data")
  for key, value in pairs(values) do file.context[key] = copy.deep(value) end
  changed(file)
end

--- Writes the workfile now if anything changed.
function pipeline.save()
  local file = requireOpen("save")
  if file.dirty then write(file) end
end

--- Runs `fn(...)` with writes held back, then writes once if anything changed (also when `fn`
--- raises: what was imprinted before the error is kept). Batches nest.
function pipeline.batch(fn, ...)
  if type(fn) ~= "function" then error("pipeline.batch: argument 'fn' must be a function", 2) end
  batchDepth = batchDepth + 1
  local results = table.pack(pcall(fn, ...))
  batchDepth = batchDepth - 1
  if batchDepth == 0 and current and current.dirty then write(current) end
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end

--- Where warnings go (default: stderr as `rscript: warning: ...`).
function pipeline.set_warning_handler(handler)
  if type(handler) ~= "function" then error("pipeline.set_warning_handler: argument 'handler' must be a function", 2) end
  warn = handler
end

return pipeline
