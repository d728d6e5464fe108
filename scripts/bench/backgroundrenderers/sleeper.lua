-- A renderer whose process just sleeps: for measuring the runtime's own cost per render.
local BackgroundRenderer = require("rscript.backgroundrenderer")
local process = require("rscript.process")
local time = require("rscript.time")

local Sleeper = BackgroundRenderer:extend("SleeperRender")
function Sleeper:pollFrequency() return tonumber(self.poll) end
function Sleeper:startBackgroundRender(scene, options)
  self.poll = options.plugin.poll or 1
  self.proc = process.spawn{ "sleep", tostring(options.plugin.seconds or 30), log = "/dev/null" }
end
function Sleeper:isRenderFinished()
  local code = self.proc:poll()
  if code ~= nil then
    -- latency from the reaping of the process to this call seeing it
    local exitedAt = self.proc:stats().exitedAt
    self:updateMetadata{ exitLatency = time.monotonic() - exitedAt }
    return true
  end
  return false
end
function Sleeper:stopBackgroundRender() self.proc:kill() end

function registerBackgroundRenderers(manager)
  manager:registerBackgroundRenderer("Sleeper", Sleeper)
end
