-- The soak benchmark's renderer: its "render" is the command `true`.
local BackgroundRenderer = require("rscript.backgroundrenderer")
local process = require("rscript.process")

local TrueRender = BackgroundRenderer:extend("SoakTrueRender")
function TrueRender:pollFrequency() return 1 end  -- the exit of its process wakes it sooner
function TrueRender:startBackgroundRender() self.proc = process.spawn{ "true" } end
function TrueRender:isRenderFinished()
  if self.proc:poll() == nil then return false end
  self:updateMetadata{ percentDone = 100 }
  return true
end

function registerBackgroundRenderers(manager)
  manager:registerBackgroundRenderer("SoakTrue", TrueRender)
end
