---@meta rscript.create

---The creation workflow of AYON's publisher, in Lua: `require("rscript.create")`. Creators
---subclass `Creator` or `AutoCreator` (`create.Creator:extend("RenderLayerCreator")`) and are
---registered by a plugin file's `registerCreators(manager)` with `manager:registerCreator(Class)`.
---Names keep the seed's snake_case (`get_subset_name`, `update_instances`, ...).
---@class rscript.create
---@field BaseCreator CreatorClass the common base; subclass Creator or AutoCreator instead
---@field Creator CreatorClass a creator the artist (or `rscript create`) triggers
---@field AutoCreator CreatorClass a creator that runs on every reset, after collection
---@field CreatedInstance CreatedInstanceClass
---@field CreatorError CreatorErrorClass an error the artist can fix: reported without a traceback
---@field CreatorsOperationFailed CreatorsOperationFailedClass what CreateContext raises when creators failed
---@field CreateContext CreateContextClass
local create = {}

---Whether `value` is a CreatorError (or an instance of a subclass).
---@param value any
---@return boolean
function create.is_creator_error(value) end

---Instance metadata, dict-like: `inst.asset`, `inst["task"]`, `inst.creator_attributes.render_farm`.
---Immutable keys (`id`, `instance_id`, `family`, `creator_identifier`, `creator_attributes`,
---`publish_attributes`): setting one to a different value raises an error naming the key; to an
---equal value does nothing (the tables inside `creator_attributes` and `publish_attributes` are
---free to change). Other keys are free: set, read, remove with `nil`. `task` is `null` when there is
---none. `inst.id` is the instance_id (as AYON's property); `inst:get("id")` reads the stored key,
---`"pyblish.avalon.instance"`. A data key named like a method is read with `inst:get(key)`;
---`pairs(inst)` walks the data.
---@class CreatedInstance
---@field id string the instance_id (read-only property)
---@field instance_id string a uuid4, set on creation (immutable)
---@field family string (immutable)
---@field creator_identifier string identifier of the creator that made or collected it (immutable)
---@field creator_attributes table<string, any> values of the creator's get_instance_attr_defs() (the table is immutable, its keys are not)
---@field publish_attributes table<string, table<string, any>> values per publish plugin name (likewise)
---@field subset string the instance's name, published as the subset
---@field variant string? entered on creation
---@field active boolean whether it publishes (default true)
---@field asset string? the asset it was created in
---@field task string|userdata the task, or `null`
---@field families string[]? extra families (data.families); see get_families()
---@field creator BaseCreator the creator that made it (read-only property)
---@field create_context CreateContext the creator's context (read-only property)
---@field [string] any any other data key
local CreatedInstance = {}

---`CreatedInstance(family, subset_name, data, creator)`; also `CreatedInstance.from_existing(data, creator)`.
---@class CreatedInstanceClass
---@field ID string `"pyblish.avalon.instance"`, the value of the key `id`
---@field IMMUTABLE_KEYS string[]
---@overload fun(family: string, subset_name: string, data: table?, creator: BaseCreator): CreatedInstance
local CreatedInstanceClass = {}

---An instance from stored data (as `pipeline.list_instances()` gives it), keeping its
---instance_id; it has no changes until something is set. Missing creator attributes get their
---defaults.
---@param data table
---@param creator BaseCreator
---@return CreatedInstance
function CreatedInstanceClass.from_existing(data, creator) end

---The value of a data key (also one named like a method), or `default`.
---@param key string
---@param default any?
---@return any
function CreatedInstance:get(key, default) end

---Whether the data has `key`.
---@param key string
---@return boolean
function CreatedInstance:has(key) end

---The data keys, sorted.
---@return string[]
function CreatedInstance:keys() end

---The data to store in the workfile: a deep copy, ready for JSON (`task = null` stays).
---@return table<string, any>
function CreatedInstance:data_to_store() end

---What changed since the instance was made, collected or last saved: `{ key = { old, new } }`;
---a nested object (creator_attributes, publish_attributes and each plugin's values) gives a
---table of its changed keys in the same form. A key added has old `null`, a key removed new `null`.
---Empty once saved.
---@return table<string, any>
function CreatedInstance:changes() end

---Whether anything changed since the instance was made, collected or last saved.
---@return boolean
function CreatedInstance:has_changes() end

---Forgets the changes (CreateContext calls it once the creator saved the instance).
function CreatedInstance:mark_as_saved() end

---Its family, then the entries of data.families.
---@return string[]
function CreatedInstance:get_families() end

---A creator's `self.log`: rscript.log lines tagged with the creator's identifier.
---@class CreatorLogger
local CreatorLogger = {}
---@param message any
---@param fields table?
function CreatorLogger:debug(message, fields) end
---@param message any
---@param fields table?
function CreatorLogger:info(message, fields) end
---@param message any
---@param fields table?
function CreatorLogger:warning(message, fields) end
---@param message any
---@param fields table?
function CreatorLogger:error(message, fields) end

---A creator plugin (BaseCreator, Creator, AutoCreator and your subclasses). Class fields are set
---on the subclass (`MyCreator.family = "render"`). The default collect_instances,
---update_instances and remove_instances work on the JSON workfile (rscript.pipeline), so a creator
---storing its instances there needs only `create`.
---@class BaseCreator: rscript.Object
---@field family string what kind of instance it makes (required)
---@field identifier string unique; defaults to `family`
---@field label string? shown to the artist; the identifier when nil
---@field icon string? an icon name or file path
---@field enabled boolean false: not used (default true)
---@field order number collection order, lower first; ties keep discovery order (default 100)
---@field description string? short description
---@field detailed_description string? markdown
---@field subset_template string the subset-name template (default `"{family}{Variant}"`)
---@field create_allow_context_change boolean Creator only: the artist may pick the context before creating (default true)
---@field default_variants string[] Creator only: the variants offered on creation
---@field default_variant string? Creator only: the variant prefilled; nil: the first default variant, else "Main"
---@field create_context CreateContext the context that made it
---@field system_settings table
---@field project_settings table
---@field log CreatorLogger
---@field super CreatorClass the parent class: `MyCreator.super.init(self, ...)`
local BaseCreator = {}

---A creator class: call it with `(create_context, system_settings, project_settings)` (the
---context does), subclass it with `extend`.
---@class CreatorClass: BaseCreator
---@overload fun(create_context: CreateContext, system_settings: table?, project_settings: table?): BaseCreator
local CreatorClass = {}

---A subclass named `name`.
---@param name string
---@return CreatorClass
function CreatorClass:extend(name) end

---Sets the creator up; an override calls `MyCreator.super.init(self, create_context,
---system_settings, project_settings)` first.
---@param create_context CreateContext
---@param system_settings table?
---@param project_settings table?
function BaseCreator:init(create_context, system_settings, project_settings) end

---The icon (default: `self.icon`).
---@return string?
function BaseCreator:get_icon() end

---The label (default: `self.label`, else the identifier).
---@return string
function BaseCreator:get_label() end

---The short description (default: `self.description`).
---@return string?
function BaseCreator:get_description() end

---The detailed description, markdown (default: `self.detailed_description`).
---@return string?
function BaseCreator:get_detailed_description() end

---Attribute definitions of each instance's creator_attributes (default: none). Values are
---checked against them when changes are saved.
---@return table[] definitions from rscript.attribute_definitions
function BaseCreator:get_instance_attr_defs() end

---The defaults of get_instance_attr_defs(), worked out once per reset.
---@return table<string, any>
function BaseCreator:get_instance_attr_defaults() end

---Extra values for the subset template (default: none). Keys are matched in lower case.
---@param variant string
---@param task_name string?
---@param asset_doc table? `{ name = asset, type = "asset" }`
---@param project_name string?
---@param host_name string?
---@param instance CreatedInstance?
---@return table<string, any>
function BaseCreator:get_dynamic_data(variant, task_name, asset_doc, project_name, host_name, instance) end

---The subset name from `subset_template` with the keys family, variant, task, asset, project,
---host and those of get_dynamic_data. `{variant}` gives the value as it is, `{Variant}` with a
---capital first letter, `{VARIANT}` in capitals. A key without a value raises a CreatorError
---naming it (a task is needed only when the template asks for one).
---@param variant string
---@param task_name string?
---@param asset_doc table|string|nil
---@param project_name string?
---@param host_name string?
---@param instance CreatedInstance?
---@return string
function BaseCreator:get_subset_name(variant, task_name, asset_doc, project_name, host_name, instance) end

---Finds this creator's instances in the workfile (`creator_identifier == self.identifier`) and adds
---them with `self:_add_instance_to_context(CreatedInstance.from_existing(data, self))`. Called by
---every reset.
function BaseCreator:collect_instances() end

---Stores changed instances. `update_list` holds `{ instance, changes }` pairs (also readable as
---`item.instance`, `item.changes`): `for _, item in ipairs(update_list) do local instance, changes = item[1], item[2] ... end`.
---Default: `pipeline.imprint(instance.id, instance:data_to_store())` for each.
---@param update_list {[1]: CreatedInstance, [2]: table, instance: CreatedInstance, changes: table}[]
function BaseCreator:update_instances(update_list) end

---Removes instances from the workfile and from the context (default), or does nothing (AutoCreator).
---@param instances CreatedInstance[]
function BaseCreator:remove_instances(instances) end

---Creator: `create(subset_name, instance_data, pre_create_data)` makes an instance, stores it
---and adds it. AutoCreator: `create()` takes no arguments and runs on every reset. Raise
---`error(CreatorError("..."))` for a problem the artist can fix.
---@param subset_name string?
---@param instance_data table? asset, task (or null), variant, family
---@param pre_create_data table? the values of get_pre_create_attr_defs(), checked, defaults filled
function BaseCreator:create(subset_name, instance_data, pre_create_data) end

---Adds an instance to the create context (an instance_id already there is an error).
---@param instance CreatedInstance
function BaseCreator:_add_instance_to_context(instance) end

---Removes an instance from the create context.
---@param instance CreatedInstance
function BaseCreator:_remove_instance_from_context(instance) end

---Creator: `default_variants` (AutoCreator: none).
---@return string[]
function BaseCreator:get_default_variants() end

---`default_variant`, else the first of get_default_variants(), else "Main" (AutoCreator: "Main").
---@return string
function BaseCreator:get_default_variant() end

---Creator only: attribute definitions filled before creation; their values are passed to
---create as `pre_create_data` (unknown keys and invalid values raise a CreatorError naming the key).
---@return table[]
function BaseCreator:get_pre_create_attr_defs() end

---An error the artist can fix: `error(CreatorError("Please select only single item at time."))`.
---Reported with its message only, never a traceback.
---@class CreatorError: rscript.Object
---@field message string
local CreatorError = {}

---@class CreatorErrorClass: CreatorError
---@overload fun(message: string): CreatorError
local CreatorErrorClass = {}

---One creator's failure in a CreateContext operation.
---@class CreatorFailure
---@field creator string the creator's identifier
---@field operation string "collect_instances", "create", "update_instances" or "remove_instances"
---@field message string
---@field traceback string? nil for a CreatorError
---@field creator_error boolean

---Raised by reset, create, save_changes and remove_instances after every creator had its turn,
---when any failed. `tostring(err)` and `err.message` list the failures.
---@class CreatorsOperationFailed: rscript.Object
---@field operation string "reset", "create", "save_changes" or "remove_instances"
---@field failures CreatorFailure[]
---@field message string
local CreatorsOperationFailed = {}

---@class CreatorsOperationFailedClass: CreatorsOperationFailed
---@overload fun(operation: string, failures: CreatorFailure[]): CreatorsOperationFailed
local CreatorsOperationFailedClass = {}

---Options of `CreateContext{...}`, all optional.
---@class CreateContextOptions
---@field workfile string? the JSON workfile, opened with rscript.pipeline
---@field create_workfile boolean? start a new workfile when it does not exist (written at the first change)
---@field read_only boolean? never write the workfile (changes stay in memory)
---@field context table? project, asset, task (...) for keys the workfile's context lacks
---@field selection string[]? what pipeline.get_selection() returns
---@field creators CreatorClass[]? use these creator classes instead of discovering them
---@field publish_plugins table[]? use these publish plugin classes instead of discovering them
---@field creator_folders string[]? searched before the plugin path (a folder holding `creators/` means that folder)
---@field publish_folders string[]? likewise for `publish/`
---@field discover boolean? false: discover nothing (register classes yourself)
---@field host string? the host name (default "rscript")
---@field system_settings table?
---@field project_settings table?
---@field on_warning fun(message: string)? where warnings go (default stderr)

---Discovers the creators and publish plugins, collects instances, creates, saves changes. One
---creator failing never stops the others: each operation gives every creator its turn, then
---raises one CreatorsOperationFailed.
---@class CreateContext: rscript.Object
---@field instances CreatedInstance[] in collection order
---@field creators table<string, BaseCreator> by identifier
---@field creator_list BaseCreator[] in registration order
---@field publish_plugins table[] publish plugin classes, in registration order
---@field plugin_errors string[] plugin files that failed to load (`file:line: message`)
---@field warnings string[] duplicate identifiers, duplicate instance ids mended, ...
---@field failures CreatorFailure[] of the last operation
---@field host_name string
---@field system_settings table
---@field project_settings table
local CreateContext = {}

---@class CreateContextClass: CreateContext
---@overload fun(options: CreateContextOptions?): CreateContext
local CreateContextClass = {}

---Forgets the instances, runs every enabled creator's collect_instances in `order` (ties keep
---registration order), then every AutoCreator's create(). Writes the workfile once at the end.
function CreateContext:reset() end

---Creates with the creator `identifier`: the subset name from get_subset_name, then
---`creator:create(subset_name, instance_data, pre_create_data)`. `variant` defaults to the
---creator's default variant, `asset` and `task` to the workfile's context. Returns the new instances.
---@param identifier string
---@param variant string?
---@param asset string?
---@param task string|userdata|nil a task name or `null`
---@param pre_create_data table?
---@return CreatedInstance[]
function CreateContext:create(identifier, variant, asset, task, pre_create_data) end

---Hands each creator only its changed instances (`update_instances`), after checking their
---creator_attributes against get_instance_attr_defs(): an instance with an invalid value is left
---unsaved and reported naming the key. Saved instances have no changes left.
function CreateContext:save_changes() end

---Removes instances: each creator's remove_instances gets its own.
---@param instances CreatedInstance[]
function CreateContext:remove_instances(instances) end

---Adds a creator class (the context makes its object). A second creator with the same
---identifier is ignored with a warning naming both files.
---@param class CreatorClass
---@param file string? the plugin file, for messages
function CreateContext:register_creator(class, file) end

---Adds a publish plugin class (a second one with the same name is ignored with a warning).
---@param class table
---@param file string?
function CreateContext:register_publish_plugin(class, file) end

---The file that defined a creator (by identifier) or a publish plugin (by name).
---@param identifier_or_name string
---@return string?
function CreateContext:plugin_file(identifier_or_name) end

---The enabled creators sorted by `order`; `kind` "auto" or "manual" keeps only AutoCreators or
---only the others.
---@param kind "auto"|"manual"|nil
---@return BaseCreator[]
function CreateContext:sorted_creators(kind) end

---The instance with that instance_id, or nil.
---@param id string
---@return CreatedInstance?
function CreateContext:get_instance_by_id(id) end

---The instances of one creator.
---@param identifier string
---@return CreatedInstance[]
function CreateContext:instances_of(identifier) end

---The workfile's context data (project, asset, task, ...).
---@return table<string, any>
function CreateContext:get_context_data() end

---@return string
function CreateContext:get_host_name() end

---The workfile context's project, else RSCRIPT_PROJECT, else the workfile's name.
---@return string
function CreateContext:get_project_name() end

---The workfile context's asset, or nil.
---@return string?
function CreateContext:get_current_asset_name() end

---The workfile context's task, or nil.
---@return string?
function CreateContext:get_current_task_name() end

return create
