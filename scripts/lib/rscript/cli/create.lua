-- `rscript create WORKFILE --creator ID ...`: one creation, headless.

local json = require("rscript.json")
local common = require("rscript.cli.common")

local M = {}

-- The value of `text` by `def`; a bad value raises `attribute 'KEY': reason`, without the
-- `file:line:` that the definition puts in front (it points here, not at the user's input).
local function parseValue(def, text)
  local ok, value = pcall(function() return def:validate(def:parse_text(text)) end)
  if ok then return value end
  local message = type(value) == "table" and value.message and tostring(value.message) or tostring(value)
  error((message:gsub("^[^\n]-%.lua:%d+: ", "")), 0)
end

-- Splits --attr KEY=VALUE texts between the creator's pre-create options and its instance
-- attributes, parsing each value by its definition. Raises naming the key.
local function parseAttributes(creator, texts)
  local pre, instance = {}, {}
  local preDefs, instanceDefs = {}, {}
  for _, def in ipairs(creator:get_pre_create_attr_defs() or {}) do
    if def.key and def.is_value_def ~= false then preDefs[def.key] = def end
  end
  for _, def in ipairs(creator:get_instance_attr_defs() or {}) do
    if def.key and def.is_value_def ~= false then instanceDefs[def.key] = def end
  end
  for _, text in ipairs(texts) do
    local key, value = text:match("^([^=]+)=(.*)$")
    local preDef, instanceDef = preDefs[key], instanceDefs[key]
    if not preDef and not instanceDef then
      local function names(defs)
        local list = {}
        for name in pairs(defs) do list[#list + 1] = name end
        table.sort(list)
        return #list > 0 and table.concat(list, ", ") or "none"
      end
      error(string.format("creator '%s' has no attribute '%s' (pre-create options: %s; instance attributes: %s)",
        creator.identifier, key, names(preDefs), names(instanceDefs)), 0)
    end
    if preDef then pre[key] = parseValue(preDef, value) end
    if instanceDef then instance[key] = parseValue(instanceDef, value) end
  end
  return pre, instance
end

function M.main(o)
  local fs = require("rscript.fs")
  local isNew = not fs.exists(o.workfile)
  -- A workfile this command made is removed again when the creation fails.
  local function failed(message, status)
    if isNew and fs.isfile(o.workfile) then pcall(fs.remove, o.workfile) end
    return common.fail(message, status)
  end
  local ok, context = common.attempt(common.FAILED, common.context, {
    workfile = o.workfile, create_workfile = true, selection = o.selection,
    creator_folders = o.creator_folders,
    context = { project = o.project ~= null and o.project or nil, asset = o.asset ~= null and o.asset or nil,
      task = o.task ~= null and o.task or nil },
  })
  if not ok then return end
  local creator = context.creators[o.creator]
  if not creator then
    local names = {}
    for _, c in ipairs(context.creator_list) do names[#names + 1] = c.identifier end
    return common.fail(string.format("no creator '%s' (known: %s; see `rscript plugins`)", o.creator,
      #names > 0 and table.concat(names, ", ") or "none"), common.USAGE)
  end
  -- Every value is checked before anything is written.
  local parsed, pre, attributes = pcall(parseAttributes, creator, o.attributes)
  if not parsed then return common.fail(common.describe(pre), common.USAGE) end

  local reset, resetError = pcall(context.reset, context)
  if not reset then common.warn(common.describe(resetError)) end

  local variant = o.variant ~= null and o.variant or nil
  local asset = o.asset ~= null and o.asset or nil
  local task = o.task ~= null and o.task or nil
  local created, instances = pcall(context.create, context, o.creator, variant, asset, task, pre)
  if not created then
    return failed(common.describe(instances), common.FAILED)
  end
  for _, instance in ipairs(instances) do
    for key, value in pairs(attributes) do instance.creator_attributes[key] = value end
  end
  local saved, saveError = pcall(context.save_changes, context)
  if not saved then return failed(common.describe(saveError), common.FAILED) end

  if o.json then
    local list = {}
    for k, instance in ipairs(instances) do list[k] = instance:data_to_store() end
    print(json.encode({ workfile = o.workfile, instances = list }, { pretty = true, sort_keys = true }))
  else
    if #instances == 0 then
      common.warn(string.format("creator '%s' made no instance", o.creator))
    end
    for _, instance in ipairs(instances) do
      print(string.format("created %s (family %s, creator %s, asset %s, task %s) in %s, id %s",
        instance.subset, instance.family, instance.creator_identifier, common.cell(instance.asset),
        common.cell(instance.task), o.workfile, instance.id))
    end
  end
end

return M
