-- Renders a render instance's frames with POV-Ray on the worker pool: one task per frame,
-- shared out to free workers as they go. The frames land in a staging folder as
-- `<subset>.<frame>.png` and become the instance's "png" representation.

local pyblish = require("rscript.pyblish")
local Pool = require("rscript.pool")
local fs = require("rscript.fs")

local ExtractPovrayFrames = pyblish.InstancePlugin:extend("ExtractPovrayFrames")
ExtractPovrayFrames.order = pyblish.ExtractorOrder
ExtractPovrayFrames.families = { "render" }
ExtractPovrayFrames.label = "Extract POV-Ray Frames"

--- Workers of the pool: RSCRIPT_PUBLISH_WORKERS, else one per core.
function ExtractPovrayFrames:worker_count()
  local configured = tonumber(os.getenv("RSCRIPT_PUBLISH_WORKERS") or "")
  if configured and configured >= 1 then return math.floor(configured) end
  return Pool.cpu_count()
end

function ExtractPovrayFrames:process(instance)
  local data = instance.data
  local staging = fs.join(instance.context.data.staging_root or ".rscript-staging", data.instance_id)
  fs.mkdir(staging)
  local jobs = {}
  for frame = data.frameStart, data.frameEnd do
    jobs[#jobs + 1] = {
      scene = data.scene, frame = frame, first = data.frameStart, last = data.frameEnd,
      width = data.width, height = data.height, name = data.subset, staging = staging,
    }
  end
  local started = require("rscript.time").monotonic()
  local pool <close> = Pool.new{ workers = math.min(self:worker_count(), #jobs) }
  local results = pool:map("tasks/povray_frame.lua", jobs)
  local files = {}
  for k, result in ipairs(results) do files[k] = result.file end
  data.representations = data.representations or {}
  table.insert(data.representations, {
    name = "png", ext = "png", files = files, stagingDir = staging,
    frameStart = data.frameStart, frameEnd = data.frameEnd,
  })
  self.log:info("rendered %d frame(s) on %d worker(s) in %.2f s into %s", #files, pool.workers,
    require("rscript.time").monotonic() - started, staging)
end

function registerPublishPlugins(manager)
  manager:registerPlugin(ExtractPovrayFrames)
end
