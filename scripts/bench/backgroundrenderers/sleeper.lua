-- A renderer whose process just sleeps: for measuring the runtime's own cost per render.
local BackgroundRenderer = require("rscript.backgroundrenderer")
local process = require("rscript.process")
local time = require("rscript.time")

local Sleeper = BackgroundRenderer:extend("SleeperRender")
function Sleeper:pollFrequency() return tonumber(self.poll) end
function Sleeper:startBackgroundRender(scene, options)
  self.poll = options.plugin.poll or 1
  self.options = options
  self.proc = process.spawn{ "sleep", tostring(options.plugin.seconds or 30), log = "/dev/null" }
end
function Sleeper:isRenderFinished()
  local tag = self.options and self.options.plugin.tag
  if tag then
    -- blocked_db.lua: one gallery write per poll, and how late each poll came
    local now = time.monotonic()
    if self.lastPoll then
      local late = now - self.lastPoll - self.poll
      if late > (_G.BENCH_POLL_LATENESS or 0) then _G.BENCH_POLL_LATENESS = late end
      if late > (_G.BENCH_POLL_WORST or 0) then _G.BENCH_POLL_WORST = late end
    end
    self.lastPoll = now
    self.images = (self.images or 0) + 1
    _G.BENCH_IMAGES = _G.BENCH_IMAGES or {}  -- a plugin's globals are its own
    _G.BENCH_IMAGES[tag] = self.images
    self:updateImagePath(tag .. "/" .. self.images .. ".png")
  end
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
