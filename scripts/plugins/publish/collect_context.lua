-- Collects what every instance shares: the workfile's folder and the staging folder where
-- extractors put their files before the integrator versions them.

local pyblish = require("rscript.pyblish")
local fs = require("rscript.fs")

local CollectContext = pyblish.ContextPlugin:extend("CollectContext")
CollectContext.order = pyblish.CollectorOrder - 0.5
CollectContext.label = "Collect Context"

function CollectContext:process(context)
  local workfile = context.data.workfile
  if workfile then
    context.data.workfile_dir = fs.dirname(workfile)
  end
  context.data.staging_root = context.data.staging_root
    or fs.join(context.data.workfile_dir or ".", ".rscript-staging")
  self.log:info("project %s, asset %s, %d instance(s)", tostring(context.data.project),
    tostring(context.data.asset), #context)
end

function registerPublishPlugins(manager)
  manager:registerPlugin(CollectContext)
end
