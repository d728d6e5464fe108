-- The workfile instance publishes the workfile itself: a copy of it is its representation.

local pyblish = require("rscript.pyblish")
local fs = require("rscript.fs")

local CollectWorkfile = pyblish.InstancePlugin:extend("CollectWorkfile")
CollectWorkfile.order = pyblish.CollectorOrder + 0.1
CollectWorkfile.families = { "workfile" }
CollectWorkfile.label = "Collect Workfile"

function CollectWorkfile:process(instance)
  local workfile = instance.context.data.workfile
  if not workfile then
    self.log:warning("no workfile path in the context: nothing to publish for %s", instance.name)
    return
  end
  local name = fs.basename(workfile)
  instance.data.representations = {
    { name = "json", ext = "json", files = name, stagingDir = fs.dirname(workfile) },
  }
  self.log:info("workfile %s", workfile)
end

function registerPublishPlugins(manager)
  manager:registerPlugin(CollectWorkfile)
end
