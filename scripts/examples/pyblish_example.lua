-- rscript.pyblish: publish plugins (collect, validate, extract, integrate) run over instance data,
-- a validation error that stops the run before extraction, and the readable report.
-- Run: rscript run scripts/examples/pyblish_example.lua
local pyblish = require("rscript.pyblish")
local time = require("rscript.time")

-- Collector: a ContextPlugin runs once, before the others (order 0).
local CollectFrameCount = pyblish.ContextPlugin:extend("CollectFrameCount")
CollectFrameCount.order = pyblish.CollectorOrder
CollectFrameCount.label = "Collect Frame Count"

function CollectFrameCount:process(context)
  for _, instance in ipairs(context) do
    local data = instance.data
    if data.frameStart and data.frameEnd then
      data.frameCount = data.frameEnd - data.frameStart + 1
    end
  end
  self.log:info("project %s, %d instances", context.data.project, #context)
end

-- Validator: an InstancePlugin runs once per active instance whose families match.
local ValidateFrameRange = pyblish.InstancePlugin:extend("ValidateFrameRange")
ValidateFrameRange.order = pyblish.ValidatorOrder
ValidateFrameRange.families = { "render" }
ValidateFrameRange.label = "Validate Frame Range"

function ValidateFrameRange:process(instance)
  local first, last = instance.data.frameStart, instance.data.frameEnd
  if first > last then
    error(pyblish.PublishValidationError(
      string.format("%s: frameStart %d is after frameEnd %d", instance.name, first, last),
      "Invalid frame range",
      "The first frame must not come after the last one. Fix **frameStart** or **frameEnd**."))
  end
  self.log:debug("frames %d-%d", first, last)
end

-- An optional validator: an instance can turn it off in publish_attributes.ValidateNaming.active.
local ValidateNaming = pyblish.InstancePlugin:extend("ValidateNaming")
ValidateNaming.order = pyblish.ValidatorOrder + 0.1
ValidateNaming.optional = true
ValidateNaming.label = "Validate Naming"

function ValidateNaming:process(instance)
  if instance.name:find("%s") then
    error(pyblish.PublishValidationError("subset name has a space", "Bad subset name"))
  end
end

-- Extractor: may wait (here it sleeps; a real one would render through the pool).
local ExtractFrames = pyblish.InstancePlugin:extend("ExtractFrames")
ExtractFrames.order = pyblish.ExtractorOrder
ExtractFrames.families = { "render" }
ExtractFrames.label = "Extract Frames"

function ExtractFrames:process(instance)
  local files = {}
  for frame = instance.data.frameStart, instance.data.frameEnd do
    files[#files + 1] = string.format("%s.%04d.png", instance.name, frame)
  end
  time.sleep(0.01)
  instance.data.representations = { { name = "png", ext = "png", files = files, stagingDir = "/tmp/staging" } }
  self.log:info("%d frames", #files)
end

-- Integrator: runs for every family ("*").
local IntegrateVersion = pyblish.InstancePlugin:extend("IntegrateVersion")
IntegrateVersion.order = pyblish.IntegratorOrder
IntegrateVersion.label = "Integrate Version"

function IntegrateVersion:process(instance)
  instance.data.published = { version = 1 }
  self.log:info("published %s v001", instance.name)
end

local plugins = { IntegrateVersion, ExtractFrames, ValidateNaming, ValidateFrameRange, CollectFrameCount }

local function instances(renderEnd)
  return {
    { subset = "renderMain", family = "render", frameStart = 1, frameEnd = renderEnd, instance_id = "i-1" },
    { subset = "workfile Main", family = "workfile", instance_id = "i-2",
      publish_attributes = { ValidateNaming = { active = false } } },  -- optional plugin off here
    { subset = "renderOld", family = "render", frameStart = 1, frameEnd = 2, active = false },  -- not published
  }
end

-- 1. Everything valid: all stages run.
local report = pyblish.publish{
  plugins = plugins,
  instances = instances(3),
  context_data = { project = "demo" },
}
print(pyblish.format_report(report))
assert(report.success and report.stage == nil)
assert(report.context[1].data.published.version == 1)
assert(#report.context[1].data.representations[1].files == 3)

-- 2. An invalid frame range: the validators all run, then the publish stops before extraction.
print()
local failed = pyblish.publish{
  plugins = plugins,
  instances = instances(-5),
  context_data = { project = "demo" },
  on_record = function(record)
    if record.success == false then io.write("  (live) ", record.label, " failed on ", record.instance, "\n") end
  end,
}
print(pyblish.format_report(failed))
assert(not failed.success and failed.stage == "validation")
assert(#failed.validation_errors == 1 and failed.validation_errors[1].title == "Invalid frame range")
assert(failed.context[1].data.representations == nil)  -- nothing was extracted
