-- rscript.pyblish report: the text and JSON forms of a publish report.

local type, tostring, format, ipairs, pairs = type, tostring, string.format, ipairs, pairs
local getmetatable, rawget, next = getmetatable, rawget, next

local M = {}

local LEVEL_RANK = { debug = 1, info = 2, warning = 3, error = 4, critical = 5 }

local function seconds(value)
  if type(value) ~= "number" then return "-" end
  if value < 10 then return format("%.3f s", value) end
  return format("%.1f s", value)
end

local function indentLines(text, prefix)
  local out = {}
  for line in (tostring(text) .. "\n"):gmatch("(.-)\n") do out[#out + 1] = prefix .. line end
  return table.concat(out, "\n")
end

local function plural(n, one, many)
  return format("%d %s", n, n == 1 and one or (many or one .. "s"))
end

-- The records grouped by plugin, in run order (consecutive records of one plugin).
local function groupByPlugin(records)
  local groups = {}
  for _, record in ipairs(records) do
    local last = groups[#groups]
    if last and last.plugin == record.plugin and last.order == record.order then
      last.records[#last.records + 1] = record
    else
      groups[#groups + 1] = { plugin = record.plugin, label = record.label, order = record.order,
        type = record.type, records = { record } }
    end
  end
  return groups
end

--- The report as text: plugin by plugin, instance by instance, then the validation errors
--- and a summary line. `options`: `ascii = true` for OK/FAILED/SKIPPED in place of ✔/✘/–;
--- `log_level` ("debug", "info" (default), "warning", "error", or "none") for the log lines shown;
--- `traceback = false` to leave tracebacks out.
function M.format_report(report, options)
  if type(report) ~= "table" then
    error(format("format_report: argument 'report' must be a publish report table, got %s", type(report)), 2)
  end
  options = options or {}
  local ascii = options.ascii == true
  local okMark, failMark, skipMark = "✔", "✘", "–"
  if ascii then okMark, failMark, skipMark = "OK", "FAILED", "SKIPPED" end
  local minLevel = options.log_level or "info"
  local minRank = minLevel == "none" and math.huge or (LEVEL_RANK[minLevel] or 2)
  local showTraceback = options.traceback ~= false

  local lines = {}
  local function add(text) lines[#lines + 1] = text end

  local function addLog(record, prefix)
    for _, entry in ipairs(record.log or {}) do
      if (LEVEL_RANK[entry.level] or 2) >= minRank then
        local first = true
        for line in (tostring(entry.message) .. "\n"):gmatch("(.-)\n") do
          if first then add(prefix .. entry.level .. ": " .. line) else add(prefix .. "  " .. line) end
          first = false
        end
      end
    end
  end

  local function addError(failure, prefix)
    if not failure then return end
    if failure.kind == "validation" then
      add(prefix .. "Validation error: " .. tostring(failure.title or ""))
      add(indentLines(failure.message, prefix .. "  "))
    elseif failure.kind == "known" then
      add(prefix .. "Error: " .. tostring(failure.message))
      if failure.description and failure.description ~= failure.message then
        add(indentLines(failure.description, prefix .. "  "))
      end
    else
      add(prefix .. "Error: " .. tostring(failure.message))
      if failure.detail then add(indentLines(failure.detail, prefix .. "  ")) end
      if showTraceback and failure.traceback then add(indentLines(failure.traceback, prefix .. "  ")) end
    end
  end

  local instanceCount = 0
  if type(report.context) == "table" then
    -- a Context holds its instances as an array; report_to_json's copy under `instances`
    instanceCount = type(report.context.instances) == "table" and #report.context.instances or #report.context
  end
  add(format("Publishing %s with %s (host %s)", plural(instanceCount, "instance"),
    plural(report.plugin_count or 0, "plugin"), tostring(report.host or "?")))
  for _, name in ipairs(report.inactive_instances or {}) do
    add(format("  %s %s (inactive, not published)", skipMark, tostring(name)))
  end

  for _, group in ipairs(groupByPlugin(report.records or {})) do
    local failed, skipped, total = false, true, 0
    for _, record in ipairs(group.records) do
      if record.success == false then failed = true end
      if not record.skipped then skipped = false end
      total = total + (record.duration or 0)
    end
    local mark = failed and failMark or (skipped and skipMark or okMark)
    local title = group.label
    if group.label ~= group.plugin then title = format("%s (%s)", group.label, group.plugin) end
    add(format("%s %s [order %s] %s", mark, title, tostring(group.order), seconds(total)))
    for _, record in ipairs(group.records) do
      if record.instance ~= nil then
        local rmark = record.success == false and failMark or (record.skipped and skipMark or okMark)
        local extra = record.skipped and (" (skipped: " .. tostring(record.skip_reason or "disabled") .. ")")
          or (" " .. seconds(record.duration))
        add(format("    %s %s%s", rmark, tostring(record.instance), extra))
        addLog(record, "        ")
        addError(record.error, "        ")
      else
        if record.skipped then add("    (skipped: " .. tostring(record.skip_reason or "disabled") .. ")") end
        addLog(record, "    ")
        addError(record.error, "    ")
      end
    end
  end

  local validation = report.validation_errors or {}
  if #validation > 0 then
    add("")
    add(format("Validation errors (%d):", #validation))
    for _, item in ipairs(validation) do
      local where = item.instance and format("%s, %s", tostring(item.instance), tostring(item.label))
        or tostring(item.label)
      add(format("  %s %s [%s]", failMark, tostring(item.title or item.label), where))
      local description = item.description or item.message
      add(indentLines(description, "      "))
      if item.message and item.message ~= description then
        add(indentLines(item.message, "      "))
      end
    end
  end

  add("")
  local duration = seconds(report.duration)
  if report.success then
    add(format("Publish succeeded after %s: %s published, %s.", duration, plural(instanceCount, "instance"),
      plural(#(report.records or {}), "plugin run")))
  elseif report.stage == "validation" then
    local plugins = {}
    local count = 0
    for _, item in ipairs(validation) do
      if not plugins[item.plugin] then plugins[item.plugin] = true; count = count + 1 end
    end
    add(format("Publish failed validation after %s: %s from %s; stopped before extraction.",
      duration, plural(#validation, "error"), plural(count, "validator")))
  else
    local failure = report.error or {}
    local where = failure.instance and format("%s on %s", tostring(failure.label), tostring(failure.instance))
      or tostring(failure.label)
    add(format("Publish stopped after %s by an error in %s: %s", duration, where, tostring(failure.message)))
  end
  return table.concat(lines, "\n")
end

-- MARK: JSON

local loaded = {}
local function module(name)
  local m = loaded[name]
  if m == nil then
    local ok, value = pcall(require, name)
    m = ok and type(value) == "table" and value or false
    loaded[name] = m
  end
  return m
end

local function isNull(value)
  local rs = module("rscript")
  return rs and rs.isNull and rs.isNull(value) or false
end

local function isArray(t)
  local n = #t
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n and (n > 0 or next(t) == nil)
end

-- A copy with only JSON-able values: functions and threads dropped, userdata (but null) as
-- text, class instances as their fields, cycles cut.
local function plain(value, seen)
  local kind = type(value)
  if kind == "string" or kind == "boolean" then return value end
  if kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return tostring(value) end
    return value
  end
  if kind == "userdata" then
    if isNull(value) then return value end
    return tostring(value)
  end
  if kind ~= "table" then return nil end
  if seen[value] then return "<cycle>" end
  seen[value] = true
  local copy = {}
  if isArray(value) then
    for i, item in ipairs(value) do
      local v = plain(item, seen)
      if v == nil then v = tostring(item) end
      copy[i] = v
    end
  else
    for key, item in pairs(value) do
      local v = plain(item, seen)
      if v ~= nil then copy[tostring(key)] = v end
    end
  end
  seen[value] = nil
  return copy
end

local function markObject(t)
  local json = module("rscript.json")
  if json and json.object then return json.object(t) end
  return t
end

--- A JSON-able copy of a report: no functions, no objects; the context as
--- `{ data = ..., instances = { { name, id, data }, ... } }`.
function M.report_to_json(report)
  if type(report) ~= "table" then
    error(format("report_to_json: argument 'report' must be a publish report table, got %s", type(report)), 2)
  end
  local out = {
    success = report.success == true,
    stage = report.stage,
    duration = report.duration,
    host = report.host,
    targets = plain(report.targets or {}, {}),
    plugin_count = report.plugin_count,
    inactive_instances = plain(report.inactive_instances or {}, {}),
    records = {},
    validation_errors = {},
    error = report.error and markObject(plain(report.error, {})) or nil,
  }
  for i, record in ipairs(report.records or {}) do
    local copy = plain(record, {})
    copy.log = plain(record.log or {}, {})
    if record.error then copy.error = markObject(copy.error) end
    out.records[i] = markObject(copy)
  end
  for i, item in ipairs(report.validation_errors or {}) do
    out.validation_errors[i] = markObject(plain(item, {}))
  end
  local context = report.context
  if type(context) == "table" then
    local instances = {}
    for i, instance in ipairs(context) do
      instances[i] = markObject({ name = instance.name, id = instance.id,
        data = markObject(plain(instance.data or {}, {})) })
    end
    out.context = markObject({ data = markObject(plain(context.data or {}, {})), instances = instances })
  end
  return markObject(out)
end

return M
