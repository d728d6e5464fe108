-- rscript.pyblish runner: pyblish.util.publish with AYON's handling of errors.
--
--   local report = pyblish.publish{ plugins = {...}, instances = {data, ...}, context_data = {...},
--                                   targets = {"default"}, host = "rscript", on_record = fn }
--
-- Plugins run sorted by order (ties keep the given order). An InstancePlugin runs once per
-- active instance whose families match; a ContextPlugin once, if its families hold "*" or match
-- an active instance. PublishValidationErrors raised below order 1.5 (the validation stage) are
-- collected and the run goes on until the first plugin of order >= 1.5, where it stops; any
-- other error stops the run at once.
--
-- Plugins run on the calling task, called through xpcall only: a process() may wait
-- (time.sleep, pool.map, a process), and other tasks run meanwhile.

local plugin = require("rscript.pyblish.plugin")
local errors = require("rscript.pyblish.errors")
local contextModule = require("rscript.pyblish.context")

local Context, Instance = contextModule.Context, contextModule.Instance

local type, tostring, error, format, ipairs, pairs = type, tostring, error, string.format, ipairs, pairs
local xpcall, pcall, setmetatable, getmetatable = xpcall, pcall, setmetatable, getmetatable
-- Under --safe (no `debug`) an error keeps its message and has no traceback.
local traceback = debug and debug.traceback or function() return nil end

local M = {}

--- Orders below this are the collection and validation stages.
M.VALIDATION_END = plugin.ValidatorOrder + 0.5

--- The message shown for an error that is neither a PublishValidationError nor a known one.
M.NEUTRAL_MESSAGE = "An error happened during publishing. See the report for details."

local monotonic
do
  local ok, time = pcall(require, "rscript.time")
  if ok and type(time) == "table" and time.monotonic then
    monotonic = time.monotonic
  else
    monotonic = os.clock
  end
end

local rscriptCore = false
do
  local ok, rs = pcall(require, "rscript")
  if ok and type(rs) == "table" and rs.isNull then rscriptCore = rs end
end

local function isNull(value)
  return type(value) == "userdata" and rscriptCore and rscriptCore.isNull(value) or false
end

local function describe(value)
  if type(value) == "table" then
    local mt = getmetatable(value)
    if type(mt) == "table" and type(rawget(mt, "name")) == "string" then
      return "an instance of " .. mt.name
    end
  end
  return type(value)
end

local contains = plugin.contains

local function checkStringList(value, what)
  if type(value) == "string" then return { value } end
  if type(value) ~= "table" then
    error(format("pyblish.publish: '%s' must be a list of strings, got %s", what, type(value)), 4)
  end
  for i, item in ipairs(value) do
    if type(item) ~= "string" then
      error(format("pyblish.publish: '%s[%d]' must be a string, got %s", what, i, type(item)), 4)
    end
  end
  return value
end

-- The plugins, checked and sorted by order; ties keep their place (a stable sort).
local function sortedPlugins(plugins)
  if type(plugins) ~= "table" then
    error(format("pyblish.publish: 'plugins' must be a list of plugin classes, got %s", type(plugins)), 3)
  end
  local entries, seen = {}, {}
  for i, class in ipairs(plugins) do
    if not plugin.is_plugin_class(class) then
      error(format("pyblish.publish: plugins[%d] must be a ContextPlugin or InstancePlugin subclass, got %s",
        i, describe(class)), 3)
    end
    if type(class.order) ~= "number" or class.order ~= class.order then
      error(format("pyblish.publish: plugin '%s' has an order of type %s; it must be a number",
        tostring(class.name), type(class.order)), 3)
    end
    if not seen[class] then
      seen[class] = true
      entries[#entries + 1] = { class = class, index = #entries + 1 }
    end
  end
  table.sort(entries, function(a, b)
    if a.class.order ~= b.class.order then return a.class.order < b.class.order end
    return a.index < b.index
  end)
  local sorted = {}
  for i, entry in ipairs(entries) do sorted[i] = entry.class end
  return sorted
end

--- The plugins in the order the runner runs them (sorted by order, stable).
function M.sort_plugins(plugins)
  return sortedPlugins(plugins)
end

-- A plain error (not a PublishError): the message and the traceback where it was raised.
local PlainError = {}
PlainError.__index = PlainError
PlainError.__tostring = function(self) return self.message end

local function handler(value)
  if errors.is_error(value) then return value end
  local message
  if type(value) == "string" then
    message = value
  elseif value == nil then
    message = "nil"
  else
    local ok, text = pcall(tostring, value)
    message = ok and text or ("(a " .. type(value) .. " error value)")
  end
  return setmetatable({ message = message, traceback = traceback(nil, 2) }, PlainError)
end

-- Cuts the runner's own frames (xpcall and below) off a traceback.
local function trimTraceback(text)
  if type(text) ~= "string" then return text end
  local lines, kept = {}, {}
  for line in (text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
  for _, line in ipairs(lines) do
    if line:find("pyblish/runner.lua", 1, true) or line:find("xpcall'", 1, true) then
      break
    end
    kept[#kept + 1] = line
  end
  -- a trailing "[C]: in ?" adds nothing
  while #kept > 0 and kept[#kept]:match("^%s*%[C%]: in %?$") do
    kept[#kept] = nil
  end
  return table.concat(kept, "\n")
end

local function invoke(class, object, argument)
  local init = class.init
  if init then init(object) end
  object:process(argument)  -- not a tail call: the traceback keeps the method's name
  return true
end

local function errorRecord(value, label)
  local kind = errors.kind_of(value)
  if kind == "validation" then
    return { kind = "validation", message = value.message, title = value.title or label,
      description = value.description or value.message, detail = value.detail }
  elseif kind == "known" then
    return { kind = "known", message = value.message, title = value.title,
      description = value.description or value.message, detail = value.detail }
  end
  local message = type(value) == "table" and value.message or tostring(value)
  local trace = type(value) == "table" and value.traceback or nil
  return { kind = "error", message = M.NEUTRAL_MESSAGE, detail = message, traceback = trimTraceback(trace) }
end

--- Runs a publish; returns the report (see the module comment and docs/modules/pyblish.md).
function M.publish(options)
  if type(options) ~= "table" then
    error(format("pyblish.publish: argument must be a table of options, got %s", type(options)), 2)
  end
  local known = { plugins = true, instances = true, context_data = true, targets = true, host = true,
    on_record = true, on_log = true, context = true }
  for key in pairs(options) do
    if not known[key] then
      error(format("pyblish.publish: unknown option '%s'", tostring(key)), 2)
    end
  end
  -- the null sentinel (from JSON or command-line parsing) stands for a missing option
  local opts = {}
  for key, value in pairs(options) do
    if not isNull(value) then opts[key] = value end
  end
  options = opts
  local plugins = sortedPlugins(options.plugins)
  local instances = options.instances or {}
  if type(instances) ~= "table" then
    error(format("pyblish.publish: 'instances' must be a list of instance data tables, got %s", type(instances)), 2)
  end
  local targets = checkStringList(options.targets or { "default" }, "targets")
  local host = options.host or "rscript"
  if type(host) ~= "string" then
    error(format("pyblish.publish: 'host' must be a string, got %s", type(host)), 2)
  end
  local onRecord, onLog = options.on_record, options.on_log
  if onRecord ~= nil and type(onRecord) ~= "function" then
    error(format("pyblish.publish: 'on_record' must be a function, got %s", type(onRecord)), 2)
  end
  if onLog ~= nil and type(onLog) ~= "function" then
    error(format("pyblish.publish: 'on_log' must be a function, got %s", type(onLog)), 2)
  end

  local context = options.context
  if context ~= nil then
    if type(context) ~= "table" or getmetatable(context) ~= Context then
      error(format("pyblish.publish: 'context' must be a pyblish Context, got %s", describe(context)), 2)
    end
    if options.context_data ~= nil then
      for key, value in pairs(options.context_data) do context.data[key] = value end
    end
  else
    local data = options.context_data or {}
    if type(data) ~= "table" then
      error(format("pyblish.publish: 'context_data' must be a table, got %s", type(data)), 2)
    end
    context = Context(data)
  end
  if context.data.host == nil then context.data.host = host end

  local inactive = {}
  for i, data in ipairs(instances) do
    if type(data) == "table" and getmetatable(data) == Instance then
      if data:is_active() then context:add(data) else inactive[#inactive + 1] = data.name end
    elseif type(data) ~= "table" then
      error(format("pyblish.publish: instances[%d] must be a table of instance data, got %s", i, type(data)), 2)
    elseif data.active == false or data.publish == false then
      inactive[#inactive + 1] = tostring(data.subset or data.name or data.label or data.instance_id or i)
    else
      context:create_instance(nil, data)
    end
  end

  local report = {
    success = true,
    stage = nil,
    records = {},
    validation_errors = {},
    error = nil,
    context = context,
    host = host,
    targets = targets,
    inactive_instances = inactive,
    plugin_count = #plugins,
  }
  local records = report.records
  local started = monotonic()

  -- Runs one plugin on the context (instance nil) or an instance; returns the record.
  local function runOne(class, instance)
    local label = plugin.label_of(class)
    local record = {
      plugin = class.name,
      label = label,
      order = class.order,
      type = class.__instanceEnabled__ and "instance" or "context",
      instance = instance and instance.name or nil,
      instance_id = instance and instance.data.instance_id or nil,
      success = true,
      duration = 0,
      log = {},
    }
    local data = instance and instance.data or context.data
    if not plugin.enabled_for(class, data) then
      record.skipped = true
      record.skip_reason = "disabled in publish attributes"
      records[#records + 1] = record
      if onRecord then onRecord(record) end
      return record
    end
    local logger = plugin.new_logger(onLog and function(entry) onLog(entry, record) end)
    record.log = logger.lines
    local object = setmetatable({ log = logger }, class)
    local t0 = monotonic()
    local ok, value = xpcall(invoke, handler, class, object, instance or context)
    record.duration = monotonic() - t0
    if not ok then
      record.success = false
      record.error = errorRecord(value, label)
    end
    records[#records + 1] = record
    if onRecord then onRecord(record) end
    return record
  end

  local function matchingActive(class)
    for _, instance in ipairs(context) do
      if instance:is_active() and plugin.plugin_matches_instance(class, instance) then return true end
    end
    return false
  end

  local stopped = false
  for _, class in ipairs(plugins) do
    local runs = (class.active ~= false or class.optional)
      and plugin.plugin_matches_host(class, host)
      and plugin.plugin_matches_targets(class, targets)
    if runs then
      if class.order >= M.VALIDATION_END and #report.validation_errors > 0 then
        report.stage = "validation"
        stopped = true
        break
      end
      local jobs = {}
      if class.__instanceEnabled__ then
        for _, instance in ipairs(context:instances()) do
          if instance:is_active() and plugin.plugin_matches_instance(class, instance) then
            jobs[#jobs + 1] = instance
          end
        end
      elseif contains(plugin.as_list(class.families), "*") or matchingActive(class) then
        jobs[1] = false  -- the context
      end
      for _, target in ipairs(jobs) do
        local record = runOne(class, target or nil)
        local failure = record.error
        if failure then
          if failure.kind == "validation" and class.order < M.VALIDATION_END then
            report.validation_errors[#report.validation_errors + 1] = {
              plugin = record.plugin, label = record.label, order = record.order,
              instance = record.instance, instance_id = record.instance_id,
              title = failure.title, message = failure.message, description = failure.description,
              detail = failure.detail,
            }
          else
            report.stage = "error"
            report.error = {
              plugin = record.plugin, label = record.label, order = record.order,
              instance = record.instance, instance_id = record.instance_id,
              kind = failure.kind, message = failure.message, title = failure.title,
              description = failure.description, detail = failure.detail, traceback = failure.traceback,
            }
            stopped = true
            break
          end
        end
      end
      if stopped then break end
    end
  end
  if not stopped and #report.validation_errors > 0 then report.stage = "validation" end
  report.success = report.stage == nil
  report.duration = monotonic() - started
  return report
end

return M
