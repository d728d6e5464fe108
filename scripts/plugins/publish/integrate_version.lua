-- The built-in integrator: copies every instance's representations (the files its extractors
-- wrote) into a new version folder laid out by the publish template, with the version's
-- metadata as version.json beside them, through rscript.integrator's transaction.
--
-- The template is, first to last: context.data.publish_template, the environment variable
-- RSCRIPT_PUBLISH_TEMPLATE, this plugin's `template` attribute (set it in an overriding plugin
-- file or a subclass), the default
-- {root}/{project}/{asset}/publish/{family}/{subset}/v{version:0>3}/{asset}_{subset}_v{version:0>3}.{ext}
local pyblish = require("rscript.pyblish")
local integrator = require("rscript.integrator")

local IntegrateVersion = pyblish.InstancePlugin:extend("IntegrateVersion")
IntegrateVersion.order = pyblish.IntegratorOrder
IntegrateVersion.families = { "*" }
IntegrateVersion.label = "Integrate Version"
--- The path template; nil for the default (see above).
IntegrateVersion.template = nil

function IntegrateVersion:process(instance)
  local data = instance.data
  local representations = data.representations
  if type(representations) ~= "table" or #representations == 0 then
    self.log:info("Skipping %s: no representations to integrate", tostring(instance.name))
    return
  end
  local context_data = instance.context and instance.context.data or {}
  local template = integrator.resolve_template(context_data, self.template)
  local ok, published = pcall(integrator.integrate, data, context_data, { template = template })
  if not ok then
    -- The integrator's own errors (a template key without a value, a missing file, ...) are
    -- for the user to read; anything else keeps its traceback.
    if type(published) == "string" and published:find("integrator", 1, true) then
      error(pyblish.KnownPublishError((published:gsub("^[^\n]-:%d+: integrator", "integrator"))))
    end
    error(published, 0)
  end
  data.published = published
  self.log:info("Published %s as version %d in %s", tostring(instance.name), published.version, published.folder)
  for _, representation in ipairs(published.representations) do
    local files = representation.files
    self.log:info("Representation %s: %d file%s (%s%s)", representation.name, #files, #files == 1 and "" or "s",
      files[1]:match("[^/]*$"), #files > 1 and " ... " .. files[#files]:match("[^/]*$") or "")
  end
  self.log:debug("Metadata: %s", published.metadata)
end

function registerPublishPlugins(manager)
  manager:registerPlugin(IntegrateVersion)
end
