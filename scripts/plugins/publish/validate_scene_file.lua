-- Checks that a render instance's scene is a POV-Ray file that exists. Optional: an artist can
-- switch it off per instance (publish_attributes.ValidateSceneFile.active = false).

local pyblish = require("rscript.pyblish")
local fs = require("rscript.fs")

local ValidateSceneFile = pyblish.InstancePlugin:extend("ValidateSceneFile")
ValidateSceneFile.order = pyblish.ValidatorOrder
ValidateSceneFile.families = { "render" }
ValidateSceneFile.label = "Validate Scene File"
ValidateSceneFile.optional = true

function ValidateSceneFile:process(instance)
  local scene = instance.data.scene
  if type(scene) ~= "string" or not scene:match("%.pov$") then
    error(pyblish.PublishValidationError(
      string.format("scene %s is not a POV-Ray .pov file", tostring(scene)),
      "No POV-Ray scene",
      "Create the render layer with a selected scene: `--select scene.pov --attr use_selection=true`."))
  end
  if not fs.isfile(scene) then
    error(pyblish.PublishValidationError(
      string.format("scene %s does not exist", scene),
      "Scene file missing",
      string.format("The scene `%s` was moved or deleted since the instance was created.", scene)))
  end
end

function registerPublishPlugins(manager)
  manager:registerPlugin(ValidateSceneFile)
end
