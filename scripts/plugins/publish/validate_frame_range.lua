-- Checks a render instance's frame range: whole numbers, first <= last.

local pyblish = require("rscript.pyblish")

local ValidateFrameRange = pyblish.InstancePlugin:extend("ValidateFrameRange")
ValidateFrameRange.order = pyblish.ValidatorOrder
ValidateFrameRange.families = { "render" }
ValidateFrameRange.label = "Validate Frame Range"

function ValidateFrameRange:process(instance)
  local first, last = instance.data.frameStart, instance.data.frameEnd
  if math.type(first) ~= "integer" and not (type(first) == "number" and first % 1 == 0) then
    error(pyblish.PublishValidationError(
      string.format("frameStart %s is not a whole number", tostring(first)),
      "Invalid frame range",
      "Frames are whole numbers. Set `frameStart` to the first frame, for example `--attr frameStart=1`."))
  end
  if first > last then
    error(pyblish.PublishValidationError(
      string.format("frame range %d-%d ends before it starts", first, last),
      "Invalid frame range",
      string.format("The instance **%s** starts at frame %d but ends at frame %d. " ..
        "Set `frameEnd` to a frame at or after `frameStart`.", instance.name, first, last)))
  end
  self.log:info("frames %d-%d (%d frames)", first, last, last - first + 1)
end

function registerPublishPlugins(manager)
  manager:registerPlugin(ValidateFrameRange)
end
