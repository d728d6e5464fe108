-- `rscript instances WORKFILE [--json]`: the instances as the creators collect them.

local json = require("rscript.json")
local pipeline = require("rscript.pipeline")
local common = require("rscript.cli.common")

local M = {}

function M.main(o)
  local ok, context = common.attempt(common.FAILED, common.context, {
    workfile = o.workfile, creator_folders = o.creator_folders, read_only = true,
  })
  if not ok then return end
  -- Read only: what the auto-creators change stays in memory.
  local stored = pipeline.list_instances()
  local reset, resetError = pcall(context.reset, context)
  local failures = {}
  if not reset then
    failures = common.failureRecords(resetError)
    common.warn(common.describe(resetError))
  end
  local orphans = {}
  for _, data in ipairs(stored) do
    if not context.creators[data.creator_identifier] then orphans[#orphans + 1] = data end
  end

  if o.json then
    local list = {}
    for k, instance in ipairs(context.instances) do list[k] = instance:data_to_store() end
    print(json.encode({
      workfile = o.workfile, context = json.object(pipeline.get_context_data()),
      instances = json.array(list), orphans = json.array(orphans), failures = json.array(failures),
      warnings = json.array(context.warnings),
    }, { pretty = true, sort_keys = true }))
  else
    local rows = {}
    for _, instance in ipairs(context.instances) do
      rows[#rows + 1] = {
        instance.subset, instance.family, instance.creator_identifier, common.cell(instance.asset),
        common.cell(instance.task), instance.active == false and "no" or "yes", instance.id,
      }
    end
    for _, data in ipairs(orphans) do
      rows[#rows + 1] = {
        common.cell(data.subset), common.cell(data.family), common.cell(data.creator_identifier) .. " (not found)",
        common.cell(data.asset), common.cell(data.task), data.active == false and "no" or "yes", data.instance_id,
      }
    end
    if #rows == 0 then
      print(string.format("%s has no instances", o.workfile))
    else
      print(common.table({ "SUBSET", "FAMILY", "CREATOR", "ASSET", "TASK", "ACTIVE", "ID" }, rows))
    end
  end
  if #failures > 0 then require("rscript").setExitStatus(common.FAILED) end
end

return M
