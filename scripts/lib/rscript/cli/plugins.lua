-- `rscript plugins [--json]`: the creator and publish plugins found, with their files.

local json = require("rscript.json")
local pyblish = require("rscript.pyblish")
local create = require("rscript.create")
local common = require("rscript.cli.common")

local M = {}

local function familiesText(families)
  if type(families) ~= "table" then return "*" end
  return table.concat(families, ",")
end

function M.main(o)
  local ok, context = common.attempt(common.FAILED, common.context, {
    creator_folders = o.creator_folders, publish_folders = o.plugin_folders,
  })
  if not ok then return end
  local creators = {}
  for _, creator in ipairs(context:sorted_creators()) do
    creators[#creators + 1] = {
      identifier = creator.identifier, family = creator.family, label = creator:get_label(),
      kind = creator:is(create.AutoCreator) and "auto" or "manual", order = creator.order,
      file = context:plugin_file(creator.identifier),
    }
  end
  local plugins = {}
  for _, plugin in ipairs(pyblish.sort_plugins(context.publish_plugins)) do
    plugins[#plugins + 1] = {
      name = plugin.name, label = pyblish.plugin_label(plugin), order = plugin.order,
      type = plugin:is(pyblish.InstancePlugin) and "instance" or "context",
      families = json.array(plugin.families or { "*" }), optional = plugin.optional == true,
      active = plugin.active ~= false, file = context:plugin_file(plugin.name),
    }
  end
  if o.json then
    print(json.encode({
      creators = json.array(creators), publish = json.array(plugins),
      errors = json.array(context.plugin_errors), warnings = json.array(context.warnings),
    }, { pretty = true, sort_keys = true }))
    return
  end
  print("Creators")
  local rows = {}
  for _, c in ipairs(creators) do
    rows[#rows + 1] = { c.identifier, c.family, c.kind, tostring(c.order), c.label, c.file }
  end
  print(#rows > 0 and common.table({ "IDENTIFIER", "FAMILY", "KIND", "ORDER", "LABEL", "FILE" }, rows) or "(none)")
  print("")
  print("Publish plugins")
  rows = {}
  for _, p in ipairs(plugins) do
    rows[#rows + 1] = {
      p.name, tostring(p.order), p.type, familiesText(p.families), p.optional and "yes" or "no", p.file,
    }
  end
  print(#rows > 0 and common.table({ "NAME", "ORDER", "TYPE", "FAMILIES", "OPTIONAL", "FILE" }, rows) or "(none)")
end

return M
