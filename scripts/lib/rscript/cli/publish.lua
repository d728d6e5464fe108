-- `rscript publish WORKFILE [--plugins DIR]... [--report FILE]`: the pyblish run, headless.

local rscript = require("rscript")
local json = require("rscript.json")
local fs = require("rscript.fs")
local pipeline = require("rscript.pipeline")
local pyblish = require("rscript.pyblish")
local common = require("rscript.cli.common")

local M = {}

local function text(value)
  if type(value) == "string" and value ~= "" then return value end
  return nil
end

-- --safe hides the environment (os.getenv is gone): every variable reads as unset.
local getenv = os.getenv or function() return nil end

-- Where versions go: --root, the workfile's context "root", RSCRIPT_PUBLISH_ROOT, else a
-- "publish" folder beside the workfile.
local function publishRoot(o, contextData, workfile)
  local root = text(o.root) or text(contextData.root) or text(getenv("RSCRIPT_PUBLISH_ROOT"))
    or fs.join(fs.dirname(workfile), "publish")
  return fs.abspath(root)
end

-- A line per record as it completes (on stderr, when it is a terminal or with --progress).
local function liveLine(record)
  local mark = record.skipped and "skip" or (record.success and " ok " or "FAIL")
  local line = string.format("[%s] %-28s %-24s %.2fs", mark, tostring(record.label or record.plugin),
    tostring(record.instance or "(context)"), record.duration or 0)
  if io then io.stderr:write(line, "\n") else require("rscript.log").info(line) end  -- --safe: no io
end

function M.main(o)
  if not fs.isfile(o.workfile) then
    return common.fail(string.format("workfile %s does not exist", o.workfile), common.USAGE)
  end
  local workfile = fs.abspath(o.workfile)
  local ok, context = common.attempt(common.FAILED, common.context, {
    workfile = workfile, creator_folders = o.creator_folders, publish_folders = o.plugin_folders,
  })
  if not ok then return end
  local reset, resetError = pcall(context.reset, context)
  if not reset then
    return common.fail(common.describe(resetError) .. "\nnothing was published: fix the creators first", common.FAILED)
  end
  local saved, saveError = pcall(context.save_changes, context)
  if not saved then return common.fail(common.describe(saveError), common.FAILED) end

  local contextData = pipeline.get_context_data()
  local data = {}
  for key, value in pairs(contextData) do data[key] = value end
  data.workfile = workfile
  data.project = context:get_project_name()
  data.root = publishRoot(o, contextData, workfile)
  data.user = getenv("USER") or getenv("LOGNAME") or "unknown"
  data.comment = text(o.comment) or ""
  data.time = os.time()
  data.staging_root = fs.join(fs.dirname(workfile), ".rscript-staging")

  local instances = {}
  for _, instance in ipairs(context.instances) do instances[#instances + 1] = instance:data_to_store() end
  if #instances == 0 then
    common.warn(string.format("%s has no instances to publish", o.workfile))
  end

  local interactive = o.progress == true
  local report = pyblish.publish{
    plugins = context.publish_plugins, instances = instances, context_data = data,
    targets = o.targets, host = "rscript", on_record = interactive and liveLine or nil,
  }
  report.plugin_errors = context.plugin_errors
  report.warnings = context.warnings

  local plain = pyblish.report_to_json(report)
  plain.workfile = workfile
  plain.plugin_errors = json.array(context.plugin_errors)
  if o.report ~= nil and o.report ~= null then
    local written, writeError = pcall(fs.write, o.report, json.encode(plain, { pretty = true, sort_keys = true }) .. "\n")
    if not written then common.warn(common.describe(writeError)) end
  end
  if o.json then
    print(json.encode(plain, { pretty = true, sort_keys = true }))
  else
    print(pyblish.format_report(report))
    for _, instance in ipairs(report.context) do
      local published = instance.data.published
      if published then
        print(string.format("published %s v%03d: %s", instance.name, published.version, published.folder))
      end
    end
  end
  if report.success then
    for _, instance in ipairs(instances) do fs.rmtree(fs.join(data.staging_root, instance.instance_id)) end
    if fs.isdir(data.staging_root) and #fs.list(data.staging_root) == 0 then fs.remove(data.staging_root) end
  else
    rscript.setExitStatus(common.FAILED)
  end
end

return M
