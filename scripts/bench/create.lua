-- Creation and publishing benchmarks (see docs/benchmarks.md, "Creation and publishing"):
--   rscript run scripts/bench/create.lua [INSTANCES] [ROUNDS]
-- 1. A workfile with INSTANCES (1000) instances from 5 creators (each with 4 instance
--    attribute definitions), and 3 optional publish plugins offering publish attributes.
--    Timed: opening the workfile (a new CreateContext reads and checks it), reset() and
--    save_changes(), (a) with nothing changed and (b) after changing every instance (each
--    creator then imprints all its instances; one atomic write of the workfile). Target < 200 ms.
-- 2. Publishing the INSTANCES instances through 10 plugins (2 context collectors, 3 instance
--    collectors, 3 validators, 2 extractors that each set a little data): the pyblish run
--    alone and the report's record count.
-- Each figure is the median of ROUNDS (5) rounds, with the time of the first (cold) round.
local create = require("rscript.create")
local AD = require("rscript.attribute_definitions")
local pyblish = require("rscript.pyblish")
local pipeline = require("rscript.pipeline")
local fs = require("rscript.fs")
local time = require("rscript.time")

local count = tonumber(arg[1]) or 1000
local rounds = tonumber(arg[2]) or 5

local dir = os.tmpname()
os.remove(dir)
fs.mkdir(dir)
local workfile = fs.join(dir, "bench.json")

local creators = {}
for k = 1, 5 do
  local C = create.Creator:extend("BenchCreator" .. k)
  C.family = "family" .. k
  C.identifier = "bench" .. k
  C.order = k
  function C:get_instance_attr_defs()
    return {
      AD.BoolDef("farm", { default = false }),
      AD.NumberDef("frameStart", { default = 1, minimum = 0, maximum = 100000 }),
      AD.NumberDef("frameEnd", { default = 100, minimum = 0, maximum = 100000 }),
      AD.EnumDef("quality", { items = { "draft", "final" }, default = "draft" }),
    }
  end
  creators[k] = C
end

local plugins = {}
local function plugin(name, base, order, families, body, optional)
  local P = base:extend(name)
  P.order = order
  P.families = families
  P.optional = optional or false
  P.process = body
  plugins[#plugins + 1] = P
  return P
end
plugin("CollectA", pyblish.ContextPlugin, pyblish.CollectorOrder - 0.5, { "*" }, function(self, context)
  context.data.collected = true
end)
plugin("CollectB", pyblish.ContextPlugin, pyblish.CollectorOrder - 0.4, { "*" }, function(self, context)
  context.data.count = #context
end)
for k = 1, 3 do
  plugin("CollectInstance" .. k, pyblish.InstancePlugin, pyblish.CollectorOrder + k / 10, { "*" }, function(self, instance)
    instance.data["collected" .. k] = instance.data.creator_attributes.frameEnd
  end)
end
for k = 1, 3 do
  plugin("Validate" .. k, pyblish.InstancePlugin, pyblish.ValidatorOrder, { "*" }, function(self, instance)
    if instance.data.creator_attributes.frameStart > instance.data.creator_attributes.frameEnd then
      error(pyblish.PublishValidationError("bad range", "Frame range", "start after end"))
    end
  end, true)
end
for k = 1, 2 do
  plugin("Extract" .. k, pyblish.InstancePlugin, pyblish.ExtractorOrder, { "*" }, function(self, instance)
    self.log:debug("extracting %s", instance.name)
    instance.data.representations = { { name = "txt", ext = "txt", files = instance.name .. ".txt" } }
  end)
end

-- The workfile: made through the creators themselves.
local function makeWorkfile()
  if fs.exists(workfile) then fs.remove(workfile) end
  local context = create.CreateContext{ workfile = workfile, create_workfile = true, creators = creators,
    publish_plugins = plugins, context = { project = "bench", asset = "sh010", task = "comp" } }
  context:reset()
  pipeline.batch(function()
    for k = 1, count do
      local creator = (k - 1) % 5 + 1
      context:create("bench" .. creator, "V" .. k, "sh010", "comp")
    end
  end)
  assert(#context.instances == count)
end

local function median(values)
  local sorted = {}
  for k, v in ipairs(values) do sorted[k] = v end
  table.sort(sorted)
  return sorted[(#sorted + 1) // 2]
end

local function measure(label, setup, body, setupTimed)
  local times = {}
  for round = 1, rounds do
    local started = setupTimed and time.monotonic()
    local state = setup()
    started = started or time.monotonic()
    body(state)
    times[round] = (time.monotonic() - started) * 1000
  end
  print(string.format("%-58s median %7.1f ms   first %7.1f ms   (%d rounds)", label, median(times), times[1], rounds))
  return median(times)
end

makeWorkfile()
print(string.format("workfile: %d instances from 5 creators, %d bytes", count, fs.stat(workfile).size))

local function freshContext()
  return create.CreateContext{ workfile = workfile, creators = creators, publish_plugins = plugins }
end

measure("open + reset() + save_changes(), nothing changed", freshContext, function(context)
  context:reset()
  context:save_changes()
  assert(#context.instances == count)
end, true)

local flip = false
measure("open + reset() + save_changes(), every instance changed", freshContext, function(context)
  context:reset()
  flip = not flip
  for _, instance in ipairs(context.instances) do
    instance.creator_attributes.farm = flip
    instance.comment = flip and "on" or "off"
  end
  context:save_changes()
end, true)

local check = freshContext()
check:reset()
assert(check.instances[1].creator_attributes.farm == flip, "the changes were saved")

local instances
measure(string.format("publish %d instances through %d plugins", count, #plugins), function()
  local context = freshContext()
  context:reset()
  instances = {}
  for k, instance in ipairs(context.instances) do instances[k] = instance:data_to_store() end
  return instances
end, function(list)
  local report = pyblish.publish{ plugins = plugins, instances = list, context_data = { project = "bench" } }
  assert(report.success, "publish succeeded")
  assert(#report.records == 2 + 8 * count, "one record per plugin and instance: " .. #report.records)
end)

fs.remove(workfile)
fs.remove(dir)
