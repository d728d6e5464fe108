-- Turns a render-layer instance's creator attributes into the data the validators and the
-- extractor read: frameStart, frameEnd, width, height.

local pyblish = require("rscript.pyblish")

local CollectRenderLayer = pyblish.InstancePlugin:extend("CollectRenderLayer")
CollectRenderLayer.order = pyblish.CollectorOrder
CollectRenderLayer.families = { "render" }
CollectRenderLayer.label = "Collect Render Layer"

function CollectRenderLayer:process(instance)
  local data = instance.data
  local attributes = data.creator_attributes or {}
  data.frameStart = attributes.frameStart or data.frameStart or 1
  data.frameEnd = attributes.frameEnd or data.frameEnd or data.frameStart
  local w, h = tostring(attributes.resolution or "320x240"):match("^(%d+)x(%d+)$")
  data.width, data.height = tonumber(w) or 320, tonumber(h) or 240
  data.label = string.format("%s (%s, frames %s-%s)", instance.name, tostring(data.asset),
    tostring(data.frameStart), tostring(data.frameEnd))
  if attributes.render_farm then
    self.log:warning("render_farm is set but no farm is configured: rendering on the local pool")
  end
  self.log:info("frames %s-%s at %dx%d from %s", tostring(data.frameStart), tostring(data.frameEnd),
    data.width, data.height, tostring(data.scene))
end

function registerPublishPlugins(manager)
  manager:registerPlugin(CollectRenderLayer)
end
