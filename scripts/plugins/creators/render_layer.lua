-- The render-layer Creator, ported from the seed's example: the pre-create options
-- `use_selection` and `render_farm`, and `render_farm` as an instance attribute when the
-- project allows farm rendering. An instance renders one POV-Ray scene (the selected item,
-- `--select scene.pov`) over a frame range at a resolution.

local create = require("rscript.create")
local attribute_definitions = require("rscript.attribute_definitions")
local pipeline = require("rscript.pipeline")
local fs = require("rscript.fs")

local CreatorError = create.CreatorError

local RenderLayerCreator = create.Creator:extend("RenderLayerCreator")
RenderLayerCreator.family = "render"
RenderLayerCreator.identifier = "render_layer"
RenderLayerCreator.label = "Render Layer"
RenderLayerCreator.icon = "fa5.images"
RenderLayerCreator.order = 50
RenderLayerCreator.default_variants = { "Main", "Beauty" }
RenderLayerCreator.description = "A frame range of a POV-Ray scene, rendered and published as a PNG sequence"
RenderLayerCreator.detailed_description = [[
Select the scene with `--select scene.pov` and `--attr use_selection=true`.
The frames render on the local worker pool during publishing.]]

function RenderLayerCreator:init(context, system_settings, project_settings)
  RenderLayerCreator.super.init(self, context, system_settings, project_settings)
  local plugin_settings = ((project_settings.rscript or {}).create or {})[self.name] or {}
  self._allow_farm_render = plugin_settings.allow_farm_render ~= false
end

function RenderLayerCreator:get_instance_attr_defs()
  local defs = {
    attribute_definitions.NumberDef("frameStart", { default = 1, minimum = 0, maximum = 100000, label = "First frame" }),
    attribute_definitions.NumberDef("frameEnd", { default = 24, minimum = 0, maximum = 100000, label = "Last frame" }),
    attribute_definitions.TextDef("resolution", { default = "320x240", regex = "^[1-9][0-9]*x[1-9][0-9]*$",
      placeholder = "WIDTHxHEIGHT", label = "Resolution" }),
  }
  -- Give artist option to change if should be rendered on farm or locally
  if self._allow_farm_render then
    defs[#defs + 1] = attribute_definitions.BoolDef("render_farm", { default = false, label = "Render on Farm" })
  end
  return defs
end

function RenderLayerCreator:get_pre_create_attr_defs()
  return {
    -- Give user option to use selection or not
    attribute_definitions.BoolDef("use_selection", { default = false, label = "Use selection" }),
    -- Set to render on farm in creator dialog
    -- - this value is not automatically passed to instance attributes
    --   creator must do that during creation
    attribute_definitions.BoolDef("render_farm", { default = false, label = "Render on Farm" }),
  }
end

function RenderLayerCreator:create(subset_name, instance_data, pre_create_data)
  -- Check if should use selection or not
  local items
  if pre_create_data.use_selection then
    items = pipeline.get_selection()
  else
    items = { pipeline.create_write() }
  end

  -- Validations related to selection
  if #items > 1 then
    error(CreatorError("Please select only single item at time."))
  elseif #items == 0 then
    error(CreatorError("Nothing to create. Select at least one item."))
  end

  -- The scene is kept as an absolute path: publishing may run from another folder.
  local item = items[1]
  instance_data.scene = item:match("%.pov$") and fs.abspath(item) or item

  -- Create instance object
  local new_instance = create.CreatedInstance(self.family, subset_name, instance_data, self)
  -- Pass value from pre create attribute to instance
  if pre_create_data.render_farm ~= nil and self._allow_farm_render then
    new_instance.creator_attributes.render_farm = pre_create_data.render_farm
  end

  -- Store metadata to workfile
  pipeline.imprint(new_instance.id, new_instance:data_to_store())

  -- Add instance to context
  self:_add_instance_to_context(new_instance)
end

function registerCreators(manager)
  manager:registerCreator(RenderLayerCreator)
end
