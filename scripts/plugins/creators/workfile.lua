-- The workfile AutoCreator, ported from the seed's example: one "workfile" instance per
-- workfile, made on every reset when missing, and moved to the workfile's current asset and
-- task when they change. Publishing it versions the workfile itself.

local create = require("rscript.create")
local pipeline = require("rscript.pipeline")

local WorkfileCreator = create.AutoCreator:extend("WorkfileCreator")
WorkfileCreator.family = "workfile"
WorkfileCreator.identifier = "workfile"
WorkfileCreator.label = "Workfile"
WorkfileCreator.icon = "fa5.file"
WorkfileCreator.order = 10

function WorkfileCreator:init(create_context, system_settings, project_settings)
  WorkfileCreator.super.init(self, create_context, system_settings, project_settings)
  -- Get variant value from settings
  local settings = (project_settings.rscript or {})[self.identifier] or {}
  local variant_name = (settings.variant or ""):match("^%s*(.-)%s*$")
  if variant_name == "" then variant_name = "Main" end
  self._variant_name = variant_name
end

-- Create does not expect any arguments
function WorkfileCreator:create()
  -- Look for existing instance in create context
  local existing_instance = nil
  for _, instance in ipairs(self.create_context.instances) do
    if instance.creator_identifier == self.identifier then
      existing_instance = instance
      break
    end
  end

  -- Collect current context information
  local variant = self._variant_name
  local project_name = self.create_context:get_project_name()
  local asset_name = self.create_context:get_current_asset_name()
  local task_name = self.create_context:get_current_task_name()
  local host_name = self.create_context:get_host_name()
  if not asset_name then return end  -- a workfile with no asset yet: nothing to publish

  local asset_doc = { type = "asset", name = asset_name }
  if existing_instance == nil then
    local subset_name = self:get_subset_name(variant, task_name, asset_doc, project_name, host_name)
    local data = { asset = asset_name, task = task_name or null, variant = variant }
    for key, value in pairs(self:get_dynamic_data(variant, task_name, asset_doc, project_name, host_name)) do
      data[key] = value
    end
    local new_instance = create.CreatedInstance(self.family, subset_name, data, self)
    pipeline.imprint(new_instance.id, new_instance:data_to_store())
    self:_add_instance_to_context(new_instance)

  -- Update instance context if is not the same
  elseif existing_instance.asset ~= asset_name or existing_instance.task ~= (task_name or null) then
    existing_instance.asset = asset_name
    existing_instance.task = task_name or null
  end
end

function registerCreators(manager)
  manager:registerCreator(WorkfileCreator)
end
