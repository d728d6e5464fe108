---@meta rscript.pyblish

---A pyblish-style publish pipeline: `require("rscript.pyblish")`. Plugins subclass
---`ContextPlugin` or `InstancePlugin` (`pyblish.InstancePlugin:extend("Name")`; the class name
---is the plugin's name), set `order`, `families`, ... and define `process`. `pyblish.publish`
---runs them over instance data and returns a report. `pyblish.api` is the module itself, for
---code ported from Python (`pyblish.api.ValidatorOrder`).
---@class rscript.pyblish
---@field CollectorOrder number 0
---@field ValidatorOrder number 1
---@field ExtractorOrder number 2
---@field IntegratorOrder number 3
---@field VALIDATION_END number 1.5: orders below it are collection and validation
---@field NEUTRAL_MESSAGE string the message shown for an error that is not a publish error
---@field Plugin PyblishPlugin the common base class
---@field ContextPlugin PyblishPlugin process(self, context) runs once per publish
---@field InstancePlugin PyblishPlugin process(self, instance) runs once per matching active instance
---@field PublishError PyblishErrorClass a known error (message shown, no traceback)
---@field KnownPublishError PyblishErrorClass the same (AYON's older name); a subclass of PublishError
---@field PublishValidationError PyblishErrorClass raised by validators; collected, the run stops before extraction
---@field Context PyblishContextClass
---@field Instance PyblishInstanceClass
---@field api rscript.pyblish this module
local pyblish = {}

---A publish plugin class (and the objects the runner makes of it, one per process call).
---Class fields: set them on your subclass.
---@class PyblishPlugin
---@field name string the class name: the plugin's name, the key of its publish attributes
---@field order number when it runs (default -1); fractional values are fine (`CollectorOrder - 0.5`)
---@field families string[] families it handles; `{"*"}` (the default) matches every instance
---@field hosts string[] hosts it runs in (default `{"*"}`)
---@field targets string[] targets it runs for (default `{"default"}`; `"*"` matches any)
---@field label string? shown in reports (default: the class name)
---@field active boolean false: the plugin does not run (an optional one: off unless an instance turns it on)
---@field optional boolean true: instances can turn it off with `publish_attributes[Name].active = false`
---@field log PyblishLogger in process(): records lines into the report
---@field super PyblishPlugin
local Plugin = {}

---A subclass named `name`.
---@param name string
---@return PyblishPlugin
function Plugin:extend(name) end

---Does the plugin's work: `process(self, context)` for a ContextPlugin, `process(self, instance)`
---for an InstancePlugin. Raise `error(pyblish.PublishValidationError(...))` to report an invalid
---instance. It may wait (time.sleep, pool.map, processes): it runs on the calling task.
---@param target PyblishContext|PyblishInstance
function Plugin:process(target) end

---Publish attribute definitions (a class method: call `MyPlugin:get_attribute_defs()`). Default: none.
---@return table[] definitions from rscript.attribute_definitions
function Plugin:get_attribute_defs() end

---Converts this plugin's stored values (`publish_attributes[Name]`) to the current definitions:
---`convert_value` for each defined key, defaults for missing ones, other keys kept. Returns a new
---table. Override it to rename or drop legacy keys (a class method).
---@param values table<string, any>?
---@return table<string, any>
function Plugin:convert_attribute_values(values) end

---The values stored for this plugin in `data.publish_attributes[Name]`, converted (defaults filled).
---@param data table instance.data or context.data
---@return table<string, any>
function Plugin:get_attr_values_from_data(data) end

---For an optional plugin, whether `data` (instance or context data) enables it; true otherwise.
---@param data table
---@return boolean
function Plugin:is_active(data) end

---A plugin's `self.log`. Each call adds `{ level =, message = }` to the record's `log`; nothing is
---printed. Extra arguments format the message with string.format. `self.log:info(...)` and
---`self.log.info(...)` both work.
---@class PyblishLogger
---@field lines {level: string, message: string}[]
local Logger = {}
---@param message any
---@param ... any
function Logger:debug(message, ...) end
---@param message any
---@param ... any
function Logger:info(message, ...) end
---@param message any
---@param ... any
function Logger:warning(message, ...) end
---@param message any
---@param ... any
function Logger:error(message, ...) end
---@param message any
---@param ... any
function Logger:critical(message, ...) end

---An error class: call it to make an error object for `error(...)`. Arguments: message, then the
---optional title, description (markdown), detail; or one table with those keys.
---@class PyblishErrorClass
---@overload fun(message: string, title?: string, description?: string, detail?: string): PyblishError
---@overload fun(fields: {message: string, title?: string, description?: string, detail?: string}): PyblishError
local ErrorClass = {}

---An error object; `tostring(err)` is its message.
---@class PyblishError
---@field message string
---@field title string?
---@field description string?
---@field detail string?
local ErrorObject = {}

---The publish context: `data` (the context data) and its instances as an array
---(`for _, instance in ipairs(context)`, `#context`).
---@class PyblishContext
---@field data table<string, any>
---@field [integer] PyblishInstance
local Context = {}

---Adds a new instance named `name` with `data` (used as is; `family`, `families`, ...).
---@param name string
---@param data table?
---@return PyblishInstance
function Context:create_instance(name, data) end

---Adds an existing instance.
---@param instance PyblishInstance
---@return PyblishInstance
function Context:add(instance) end

---Removes an instance; whether it was there.
---@param instance PyblishInstance
---@return boolean
function Context:remove(instance) end

---The instances as a new list.
---@return PyblishInstance[]
function Context:instances() end

---@class PyblishContextClass
---@overload fun(data?: table): PyblishContext
local ContextClass = {}

---One instance being published. `data` is the table that was handed in, with `name` (the
---subset), `label` and `families` (a list) filled in.
---@class PyblishInstance
---@field name string
---@field id string data.instance_id (or a fresh id)
---@field data table<string, any>
---@field context PyblishContext
local Instance = {}

---Its family, then data.families.
---@return string[]
function Instance:families() end

---Whether it publishes (data.active and data.publish are not false).
---@return boolean
function Instance:is_active() end

---@class PyblishInstanceClass
---@overload fun(name?: string, data?: table, context?: PyblishContext): PyblishInstance
local InstanceClass = {}

---@class PyblishErrorRecord
---@field kind "validation"|"known"|"error"
---@field message string for kind "error" the neutral NEUTRAL_MESSAGE
---@field title string?
---@field description string?
---@field detail string? for kind "error": the real message
---@field traceback string? for kind "error" only

---One plugin run on the context or on one instance.
---@class PyblishRecord
---@field plugin string the plugin's name
---@field label string
---@field order number
---@field type "context"|"instance"
---@field instance string? the instance's name (nil for a context plugin)
---@field instance_id string?
---@field success boolean
---@field skipped boolean? true when an optional plugin was off for this instance
---@field skip_reason string?
---@field duration number seconds
---@field log {level: string, message: string}[]
---@field error PyblishErrorRecord?

---@class PyblishReport
---@field success boolean
---@field stage "validation"|"error"|nil where the run stopped (nil: it did not)
---@field records PyblishRecord[]
---@field validation_errors {plugin: string, label: string, order: number, instance: string?, instance_id: string?, title: string, message: string, description: string, detail: string?}[]
---@field error table? the error that stopped the run (stage "error"): plugin, label, instance, kind, message, detail, traceback, ...
---@field context PyblishContext
---@field inactive_instances string[] names of the instances that were not published
---@field host string
---@field targets string[]
---@field plugin_count integer
---@field duration number seconds

---@class PyblishPublishOptions
---@field plugins PyblishPlugin[] plugin classes (any order; sorted by `order`, ties keep this order)
---@field instances table[]? instance data tables (`inst:data_to_store()`); inactive ones are left out
---@field context_data table? the context data (used as is)
---@field targets string[]? default `{"default"}`
---@field host string? default "rscript"
---@field on_record fun(record: PyblishRecord)? called as each record completes
---@field on_log fun(entry: {level: string, message: string}, record: PyblishRecord)? called for each log line as it is written

---Runs the plugins and returns the report. Validation errors (PublishValidationError below order
---1.5) are collected and the run stops before the first plugin of order >= 1.5; any other error
---stops it at once. Bad options raise `pyblish.publish: ...`.
---@param options PyblishPublishOptions
---@return PyblishReport
function pyblish.publish(options) end

---The report as text: plugin by plugin, instance by instance, the validation errors, a summary.
---@param report PyblishReport
---@param options {ascii: boolean?, log_level: "debug"|"info"|"warning"|"error"|"none"|nil, traceback: boolean?}?
---@return string
function pyblish.format_report(report, options) end

---A JSON-able copy of the report (for `json.encode`): no functions or objects; the context as
---`{ data = ..., instances = { { name, id, data } } }`.
---@param report PyblishReport
---@return table
function pyblish.report_to_json(report) end

---Whether `value` is an error object of `class` (default PublishError, which covers all three).
---@param value any
---@param class PyblishErrorClass?
---@return boolean
function pyblish.is_error(value, class) end

---"validation", "known" or "error" for a raised value.
---@param value any
---@return "validation"|"known"|"error"
function pyblish.error_kind(value) end

---Whether the plugin's families match any of `families` ("*" matches everything).
---@param plugin PyblishPlugin
---@param families string[]|string
---@return boolean
function pyblish.plugin_matches_family(plugin, families) end

---Whether the plugin's families match an instance (Instance or data: family plus data.families).
---@param plugin PyblishPlugin
---@param instance PyblishInstance|table
---@return boolean
function pyblish.plugin_matches_instance(plugin, instance) end

---@param plugin PyblishPlugin
---@param host string
---@return boolean
function pyblish.plugin_matches_host(plugin, host) end

---@param plugin PyblishPlugin
---@param targets string[]
---@return boolean
function pyblish.plugin_matches_targets(plugin, targets) end

---An instance's families: its family, then data.families.
---@param instance PyblishInstance|table
---@return string[]
function pyblish.instance_families(instance) end

---Every publish attribute definition of a plugin: for an optional plugin an `active` BoolDef first
---(default: the class's `active`, label: its label), then those of get_attribute_defs().
---@param plugin PyblishPlugin
---@return table[]
function pyblish.attribute_defs_for(plugin) end

---The definitions offered on an instance: attribute_defs_for(plugin) for an InstancePlugin whose
---families match, else none.
---@param plugin PyblishPlugin
---@param instance PyblishInstance|table
---@return table[]
function pyblish.attribute_defs_for_instance(plugin, instance) end

---The definitions a ContextPlugin offers on the context (none for an InstancePlugin).
---@param plugin PyblishPlugin
---@return table[]
function pyblish.attribute_defs_for_context(plugin) end

---`plugin:get_attr_values_from_data(data)` for a plugin class.
---@param plugin PyblishPlugin
---@param data table
---@return table<string, any>
function pyblish.get_attr_values_from_data(plugin, data) end

---Whether a plugin is enabled for instance or context data (optional plugins: the stored `active`).
---@param plugin PyblishPlugin
---@param data table
---@return boolean
function pyblish.is_plugin_enabled(plugin, data) end

---Whether `value` is a plugin class (a subclass of ContextPlugin or InstancePlugin).
---@param value any
---@return boolean
function pyblish.is_plugin_class(value) end

---A plugin's label, else its name.
---@param plugin PyblishPlugin
---@return string
function pyblish.plugin_label(plugin) end

---The plugins in the order publish runs them.
---@param plugins PyblishPlugin[]
---@return PyblishPlugin[]
function pyblish.sort_plugins(plugins) end

---A logger like a plugin's `self.log`; `on_line(entry)` is called for each line.
---@param on_line fun(entry: {level: string, message: string})?
---@return PyblishLogger
function pyblish.new_logger(on_line) end

return pyblish
