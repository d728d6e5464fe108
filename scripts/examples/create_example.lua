-- rscript.create and rscript.pipeline: a creator defined inline, an instance created in a new
-- JSON workfile, changed, saved, and read back.
--
--   rscript run scripts/examples/create_example.lua

local rscript = require("rscript")
local create = require("rscript.create")
local attribute_definitions = require("rscript.attribute_definitions")
local pipeline = require("rscript.pipeline")
local json = require("rscript.json")
local fs = require("rscript.fs")

-- A folder of our own for the workfile.
local folder = fs.join(os.getenv("TMPDIR") or "/tmp", "rscript-create-example-" .. rscript.uuid())
fs.mkdir(folder)
local workfile = fs.join(folder, "shot.json")

-- The creator: the default collect/update/remove work on the workfile, so `create` is enough.
local CreatorError = create.CreatorError
local RenderLayerCreator = create.Creator:extend("RenderLayerCreator")
RenderLayerCreator.family = "render"
RenderLayerCreator.identifier = "render_layer"
RenderLayerCreator.label = "Render Layer"
RenderLayerCreator.default_variants = { "Main", "Beauty" }

function RenderLayerCreator:get_instance_attr_defs()
  return {
    attribute_definitions.BoolDef("render_farm", { default = false, label = "Render on Farm" }),
    attribute_definitions.NumberDef("frameEnd", { default = 24, minimum = 1, maximum = 1000, label = "Last frame" }),
  }
end

function RenderLayerCreator:get_pre_create_attr_defs()
  return { attribute_definitions.BoolDef("render_farm", { default = false, label = "Render on Farm" }) }
end

function RenderLayerCreator:create(subset_name, instance_data, pre_create_data)
  if instance_data.asset == "" then
    error(CreatorError("Pick an asset first."))
  end
  -- Values given in data.creator_attributes are part of the new instance (set afterwards, they
  -- would count as changes until the next save_changes).
  instance_data.creator_attributes = { render_farm = pre_create_data.render_farm }
  local new_instance = create.CreatedInstance(self.family, subset_name, instance_data, self)
  pipeline.imprint(new_instance.id, new_instance:data_to_store())
  self:_add_instance_to_context(new_instance)
end

-- A context on a new workfile, with our creator only (no plugin discovery).
local context = create.CreateContext{
  workfile = workfile, create_workfile = true,
  context = { project = "demo", asset = "sh010", task = "lighting" },
  creators = { RenderLayerCreator }, publish_plugins = {},
}
context:reset()

-- Create: the variant defaults to the first default variant; asset and task to the workfile's.
local instance = context:create("render_layer", nil, nil, nil, { render_farm = true })[1]
print(string.format("created %s (%s) id %s", instance.subset, instance.family, instance.id))
assert(instance.subset == "renderMain" and instance.creator_attributes.render_farm == true)
assert(not instance:has_changes())

-- Immutable keys refuse a new value.
local ok, err = pcall(function() instance.family = "model" end)
assert(not ok)
print("immutable: " .. tostring(err):gsub("^.-:%d+: ", ""))

-- Change free keys and a creator attribute; the changes are { old, new } pairs.
instance.task = null              -- no task: JSON null in the workfile
instance.active = false
instance.creator_attributes.frameEnd = 48
local changes = instance:changes()
print("changes: " .. json.encode(changes, { sort_keys = true }))
assert(changes.active[1] == true and changes.active[2] == false)
assert(changes.creator_attributes.frameEnd[2] == 48)

-- A value outside its definition is refused on save, naming the key.
instance.creator_attributes.frameEnd = 5000
local saved, failure = pcall(context.save_changes, context)
assert(not saved)
print("refused: " .. failure.failures[1].message)
instance.creator_attributes.frameEnd = 48

-- Save: the creator gets the changed instance, the workfile is written once, no changes left.
context:save_changes()
assert(not instance:has_changes())
pipeline.close()

-- Read back with a new context: the same instance, task still null.
local again = create.CreateContext{ workfile = workfile, creators = { RenderLayerCreator }, publish_plugins = {} }
again:reset()
local loaded = again:get_instance_by_id(instance.id)
assert(loaded and loaded.task == null and loaded.active == false and loaded.creator_attributes.frameEnd == 48)
print(string.format("loaded %s: task %s, active %s, frameEnd %d", loaded.subset, tostring(loaded.task),
  tostring(loaded.active), loaded.creator_attributes.frameEnd))
pipeline.close()

print(fs.read(workfile))

fs.remove(workfile)
fs.remove(folder)
