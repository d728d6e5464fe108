-- CreateContext: discovers the creators, collects and creates instances, saves changes.
--
--   local ctx = CreateContext{ workfile = "shot.rsw.json" }
--   ctx:reset()                              -- collect, creator by creator, then auto-create
--   ctx:create("render_layer", "Main", "sh010", "lighting", { use_selection = true })
--   ctx.instances[1].active = false
--   ctx:save_changes()                       -- each creator gets only its changed instances
--
-- One creator failing never stops the others: each operation gives every creator its turn,
-- then raises one CreatorsOperationFailed listing the failures (creator, operation, message,
-- and the traceback unless it was a CreatorError). The context stays usable.

local Object = require("rscript.class")
local json = require("rscript.json")
local fs = require("rscript.fs")
local rscript = require("rscript")
local pipeline = require("rscript.pipeline")
local discovery = require("rscript.plugindiscovery")
local creators = require("rscript.create.creators")
local errors = require("rscript.create.errors")
local copy = require("rscript.create.copy")

local null = rscript.null
local protect = errors.protect

local CreateContext = Object:extend("CreateContext")

local function warnTo(self, message)
  self.warnings[#self.warnings + 1] = message
  if self._on_warning then
    self._on_warning(message)
  elseif io then
    io.stderr:write("rscript: warning: ", message, "\n")
  else
    require("rscript.log").warning(message)  -- --safe: no io
  end
end

-- Stable sort by `order` (ties keep discovery order).
local function byOrder(list)
  local indexed = {}
  for k, item in ipairs(list) do indexed[k] = { item = item, k = k } end
  table.sort(indexed, function(a, b)
    local oa, ob = a.item.order or 100, b.item.order or 100
    if oa ~= ob then return oa < ob end
    return a.k < b.k
  end)
  local sorted = {}
  for k, entry in ipairs(indexed) do sorted[k] = entry.item end
  return sorted
end

--- `CreateContext{ ... }` options, all optional:
--- `workfile` (path: opened with rscript.pipeline; `create_workfile = true` starts a new one),
--- `selection` (what pipeline.get_selection() gives), `context` (project/asset/task for a new
--- workfile), `creators` and `publish_plugins` (classes: used instead of discovery),
--- `creator_folders`, `publish_folders` (searched before the plugin path), `discover`
--- (false: no discovery), `read_only` (never write the workfile), `host` ("rscript"), `system_settings`, `project_settings`,
--- `on_warning(message)`.
function CreateContext:init(options)
  options = options or {}
  if type(options) ~= "table" then error("CreateContext: argument 'options' must be a table, got " .. type(options), 3) end
  self.host_name = options.host or "rscript"
  self.system_settings = options.system_settings or {}
  self.project_settings = options.project_settings or {}
  self.instances = {}
  self.creators = {}
  self.creator_list = {}
  self.publish_plugins = {}
  self.plugin_errors = {}
  self.warnings = {}
  self.failures = {}
  self._instances_by_id = {}
  self._creator_files = {}
  self._plugin_files = {}
  self._on_warning = options.on_warning
  self._publish_defaults = {}

  if options.workfile then
    pipeline.open(options.workfile, {
      create = options.create_workfile, selection = options.selection, context = options.context,
      read_only = options.read_only,
    })
    for _, message in ipairs(pipeline.warnings()) do self.warnings[#self.warnings + 1] = message end
  elseif options.selection then
    pipeline.set_selection(options.selection)
  end

  local discover = options.discover ~= false
  if options.creators then
    for _, class in ipairs(options.creators) do self:register_creator(class, "(given)") end
  elseif discover then
    local result = discovery.load{
      kind = "creators", register = "registerCreators", folders = options.creator_folders,
      manager = function(file) return self:_manager(file) end,
    }
    for _, message in ipairs(result.errors) do self.plugin_errors[#self.plugin_errors + 1] = message end
  end
  if options.publish_plugins then
    for _, class in ipairs(options.publish_plugins) do self:register_publish_plugin(class, "(given)") end
  elseif discover then
    local result = discovery.load{
      kind = "publish", register = "registerPublishPlugins", folders = options.publish_folders,
      manager = function(file) return self:_manager(file) end,
    }
    for _, message in ipairs(result.errors) do self.plugin_errors[#self.plugin_errors + 1] = message end
  end
end

-- The `manager` a plugin file's registration function gets.
function CreateContext:_manager(file)
  local context = self
  return {
    file = file,
    registerCreator = function(_, class) context:register_creator(class, file, 2) end,
    registerPlugin = function(_, class) context:register_publish_plugin(class, file, 2) end,
  }
end

--- Adds a creator class (an instance of it is made with this context). A second creator with
--- the same identifier is ignored with a warning naming both files.
function CreateContext:register_creator(class, file, level)
  local problem = creators.problemWith(class)
  if problem then
    local name = type(class) == "table" and tostring(class.name or class) or type(class)
    error(string.format("registerCreator: %s %s", name, problem), (level or 1) + 1)
  end
  local identifier = creators.identifierOf(class)
  local earlier = self._creator_files[identifier]
  if earlier then
    warnTo(self, string.format("creator identifier '%s' is defined twice: in %s and in %s; the first is used",
      identifier, earlier, file or "?"))
    return
  end
  self._creator_files[identifier] = file or "?"
  local creator = class(self, self.system_settings, self.project_settings)
  creator.identifier = creator.identifier or identifier
  self.creators[identifier] = creator
  self.creator_list[#self.creator_list + 1] = creator
end

--- Adds a publish plugin class. A second plugin with the same name is ignored with a warning.
function CreateContext:register_publish_plugin(class, file, level)
  if type(class) ~= "table" or type(class.process) ~= "function" or type(class.name) ~= "string" then
    error(string.format("registerPlugin: %s is not a publish plugin class (subclass ContextPlugin or InstancePlugin from rscript.pyblish and define process)",
      type(class) == "table" and tostring(class.name) or type(class)), (level or 1) + 1)
  end
  local earlier = self._plugin_files[class.name]
  if earlier then
    warnTo(self, string.format("publish plugin '%s' is defined twice: in %s and in %s; the first is used",
      class.name, earlier, file or "?"))
    return
  end
  self._plugin_files[class.name] = file or "?"
  self.publish_plugins[#self.publish_plugins + 1] = class
  self._publish_defaults = {}
end

--- The file that defined a creator or publish plugin.
function CreateContext:plugin_file(identifierOrName)
  return self._creator_files[identifierOrName] or self._plugin_files[identifierOrName]
end

--- The creators sorted by `order` (ties keep discovery order); `kind` = "auto" or "manual"
--- keeps only AutoCreators or only the others.
function CreateContext:sorted_creators(kind)
  local list = {}
  for _, creator in ipairs(self.creator_list) do
    local auto = creator:is(creators.AutoCreator)
    if creator.enabled ~= false and (kind == nil or (kind == "auto") == auto) then list[#list + 1] = creator end
  end
  return byOrder(list)
end

-- Context data: the workfile's context, else what the environment says.
function CreateContext:get_context_data()
  if pipeline.is_open() then return pipeline.get_context_data() end
  return {}
end

function CreateContext:get_host_name() return self.host_name end

function CreateContext:get_project_name()
  local data = self:get_context_data()
  if type(data.project) == "string" and data.project ~= "" then return data.project end
  local env = os.getenv and os.getenv("RSCRIPT_PROJECT")  -- --safe hides the environment
  if env and env ~= "" then return env end
  local file = pipeline.current_file()
  if file then return (fs.basename(file):gsub("%..*$", "")) end
  return "project"
end

function CreateContext:get_current_asset_name()
  local asset = self:get_context_data().asset
  return type(asset) == "string" and asset or nil
end

function CreateContext:get_current_task_name()
  local task = self:get_context_data().task
  return type(task) == "string" and task or nil
end

-- The stored instances, read once per reset for every creator's collect_instances.
function CreateContext:_stored_instances()
  if not self._stored then
    self._stored = pipeline.is_open() and pipeline._stored_instances() or {}
  end
  return self._stored
end

function CreateContext:_add_instance(instance, creator)
  local id = instance.id
  if self._instances_by_id[id] then
    error(string.format("instance %s is already in the create context (creator '%s')", id, creator and creator.identifier or "?"), 3)
  end
  self._instances_by_id[id] = instance
  self.instances[#self.instances + 1] = instance
end

function CreateContext:_remove_instance(instance)
  local id = instance.id
  if not self._instances_by_id[id] then return end
  self._instances_by_id[id] = nil
  for k, other in ipairs(self.instances) do
    if other == instance then table.remove(self.instances, k) break end
  end
end

--- The instance with `instance_id`, or nil.
function CreateContext:get_instance_by_id(id)
  return self._instances_by_id[id]
end

--- The instances of one creator.
function CreateContext:instances_of(identifier)
  local list = {}
  for _, instance in ipairs(self.instances) do
    if instance.creator_identifier == identifier then list[#list + 1] = instance end
  end
  return list
end

local function finish(self, operation, failures)
  self.failures = failures
  if #failures > 0 then error(errors.CreatorsOperationFailed(operation, failures), 0) end
end

--- Forgets the instances, collects them again creator by creator (in `order`), then runs the
--- AutoCreators. Raises CreatorsOperationFailed after all ran if any failed.
function CreateContext:reset()
  local failures = {}
  pipeline.batch(function()
    self.instances = {}
    self._instances_by_id = {}
    self._stored = nil
    self._publish_defaults = {}
    for _, creator in ipairs(self.creator_list) do rawset(creator, "_instance_attr_defaults", nil) end
    for _, creator in ipairs(self:sorted_creators()) do
      local ok, failure = protect(creator.identifier, "collect_instances", creator.collect_instances, creator)
      if not ok then failures[#failures + 1] = failure end
    end
    for _, creator in ipairs(self:sorted_creators("auto")) do
      local ok, failure = protect(creator.identifier, "create", creator.create, creator)
      if not ok then failures[#failures + 1] = failure end
    end
    self._stored = nil
  end)
  finish(self, "reset", failures)
end

-- Values of `defs` filled from `values` with defaults; raises naming the key of a bad value.
local function checkedValues(defs, values, what)
  local AD = require("rscript.attribute_definitions")
  local result = {}
  local known = {}
  for _, def in ipairs(defs) do
    if def.is_value_def ~= false and def.key then
      known[def.key] = def
      local value = values[def.key]
      if value == nil then value = def.default end
      result[def.key] = value
    end
  end
  for key in pairs(values) do
    if not known[key] then
      local names = {}
      for name in pairs(known) do names[#names + 1] = name end
      table.sort(names)
      error(errors.CreatorError(string.format("%s has no attribute '%s' (it has: %s)", what, tostring(key),
        #names > 0 and table.concat(names, ", ") or "none")), 0)
    end
  end
  local ok, problems = AD.validate_values(defs, result)
  if not ok then error(errors.CreatorError(what .. ": " .. table.concat(problems, "; ")), 0) end
  return result
end
CreateContext._checked_values = checkedValues

--- Creates with the creator `identifier`: `variant` (default: the creator's default variant),
--- `asset` and `task` (default: the workfile's context), `pre_create_data` (checked against
--- get_pre_create_attr_defs, defaults filled). Returns the new instances.
function CreateContext:create(identifier, variant, asset, task, pre_create_data)
  local creator = self.creators[identifier]
  if not creator then
    local names = {}
    for _, c in ipairs(self.creator_list) do names[#names + 1] = c.identifier end
    error(string.format("CreateContext.create: no creator '%s' (known: %s)", tostring(identifier),
      #names > 0 and table.concat(names, ", ") or "none"), 2)
  end
  if creator:is(creators.AutoCreator) then
    error(string.format("CreateContext.create: '%s' is an AutoCreator; it creates on every reset", identifier), 2)
  end
  if pre_create_data ~= nil and type(pre_create_data) ~= "table" then
    error("CreateContext.create: argument 'pre_create_data' must be a table, got " .. type(pre_create_data), 2)
  end
  local failures = {}
  local created = {}
  pipeline.batch(function()
    local contextData = self:get_context_data()
    if variant == nil or variant == "" then variant = creator:get_default_variant() end
    if asset == nil then asset = contextData.asset end
    if task == nil then task = contextData.task end
    if type(asset) ~= "string" or asset == "" then
      failures[1] = { creator = identifier, operation = "create", creator_error = true,
        message = "no asset given and the workfile's context has none" }
      return
    end
    local ok, failure = protect(identifier, "create", function()
      local defs = creator:get_pre_create_attr_defs() or {}
      local data = checkedValues(defs, pre_create_data or {}, "creator '" .. identifier .. "' pre-create options")
      local project = self:get_project_name()
      local asset_doc = { name = asset, type = "asset" }
      local taskName = (task ~= nil and not rscript.isNull(task)) and task or nil
      local subset_name = creator:get_subset_name(variant, taskName, asset_doc, project, self.host_name)
      local instance_data = { asset = asset, task = taskName or null, variant = variant, family = creator.family }
      local before = {}
      for _, instance in ipairs(self.instances) do before[instance] = true end
      creator:create(subset_name, instance_data, data)
      for _, instance in ipairs(self.instances) do
        if not before[instance] then created[#created + 1] = instance end
      end
    end)
    if not ok then failures[1] = failure end
  end)
  finish(self, "create", failures)
  return created
end

--- Hands each creator its changed instances (`update_instances`), after checking their
--- creator_attributes against the creator's definitions; saved instances have no changes
--- left. Raises CreatorsOperationFailed after all ran if any failed.
function CreateContext:save_changes()
  local failures = {}
  pipeline.batch(function()
    for _, creator in ipairs(self:sorted_creators()) do
      local update_list = {}
      local defs
      for _, instance in ipairs(self.instances) do
        if instance.creator == creator and instance:has_changes() then
          defs = defs or creator:get_instance_attr_defs() or {}
          local ok, failure = protect(creator.identifier, "update_instances", checkedValues, defs,
            instance.creator_attributes, string.format("instance '%s'", tostring(instance.subset)))
          if ok then
            local changes = instance:changes()
            update_list[#update_list + 1] = { instance, changes, instance = instance, changes = changes }
          else
            failures[#failures + 1] = failure
          end
        end
      end
      if #update_list > 0 then
        local ok, failure = protect(creator.identifier, "update_instances", creator.update_instances, creator, update_list)
        if ok then
          for _, item in ipairs(update_list) do item[1]:mark_as_saved() end
        else
          failures[#failures + 1] = failure
        end
      end
    end
  end)
  finish(self, "save_changes", failures)
end

--- Removes instances: each creator removes its own. Raises after all ran if any failed.
function CreateContext:remove_instances(instances)
  if type(instances) ~= "table" then error("CreateContext.remove_instances: argument 'instances' must be a list", 2) end
  local failures = {}
  pipeline.batch(function()
    local byCreator, order = {}, {}
    for _, instance in ipairs(instances) do
      local creator = instance.creator
      if not byCreator[creator] then
        byCreator[creator] = {}
        order[#order + 1] = creator
      end
      table.insert(byCreator[creator], instance)
    end
    for _, creator in ipairs(order) do
      local ok, failure = protect(creator.identifier, "remove_instances", creator.remove_instances, creator, byCreator[creator])
      if not ok then failures[#failures + 1] = failure end
    end
  end)
  finish(self, "remove_instances", failures)
end

-- Fills `publish` (an instance's publish_attributes) for the instance plugins whose families
-- match the instance: legacy values converted by the plugin's convert_attribute_values, then
-- missing keys given their defaults. Called by CreatedInstance on construction.
function CreateContext:_fill_publish_attributes(data, publish)
  if #self.publish_plugins == 0 then return end
  local families = { data.family }
  if type(data.families) == "table" then
    for _, family in ipairs(data.families) do families[#families + 1] = family end
  end
  local cacheKey = table.concat(families, "\0")
  local entries = self._publish_defaults[cacheKey]
  if not entries then
    local pyblish = require("rscript.pyblish")
    entries = {}
    for _, plugin in ipairs(self.publish_plugins) do
      if plugin:is(pyblish.InstancePlugin) and pyblish.plugin_matches_family(plugin, families) then
        local defs = pyblish.attribute_defs_for(plugin)
        if #defs > 0 then entries[#entries + 1] = { plugin = plugin, defs = defs } end
      end
    end
    self._publish_defaults[cacheKey] = entries
  end
  for _, entry in ipairs(entries) do
    local name = entry.plugin.name
    local values = publish[name]
    if type(values) ~= "table" then values = {} end
    values = entry.plugin:convert_attribute_values(values) or values
    for _, def in ipairs(entry.defs) do
      if def.is_value_def ~= false and def.key and values[def.key] == nil then values[def.key] = copy.deep(def.default) end
    end
    publish[name] = json.object(values)
  end
end

return CreateContext
