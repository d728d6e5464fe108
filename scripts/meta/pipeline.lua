---@meta rscript.pipeline

---The host API over the JSON workfile, named as the seed's `pipeline` module:
---`require("rscript.pipeline")`. rscript has no DCC scene, so instance metadata lives in a JSON
---workfile (`schema` "rscript.workfile", `schema_version` 1, `context`, `instances` keyed by
---instance_id, `items`). One workfile is open at a time. Every write is atomic (a new file renamed
---over the old); a file that is not valid JSON or has another schema version is refused with a
---clear error and left untouched. Two entries with the same instance_id get fixed on load: the copy
---gets a new id, with a warning. Outside `batch`, `imprint` and `remove_instance` write at once.
---@class rscript.pipeline
---@field SCHEMA string "rscript.workfile"
---@field SCHEMA_VERSION integer 1
local pipeline = {}

---@class PipelineOpenOptions
---@field create boolean? start an empty workfile when the file does not exist (written at the first change)
---@field read_only boolean? keep every change in memory, never write the file
---@field selection string[]? what get_selection() returns
---@field context table? context keys (project, asset, task, ...) to fill where the workfile has none

---Opens a workfile (the one open before is forgotten). Raises `workfile PATH does not exist`,
---`... is not valid JSON: ...`, `... has schema version N; this rscript reads version 1 (file
---left untouched)`.
---@param path string
---@param options PipelineOpenOptions?
---@return rscript.pipeline
function pipeline.open(path, options) end

---Writes unsaved changes (outside a batch) and forgets the open workfile.
function pipeline.close() end

---The open workfile's path, or nil.
---@return string?
function pipeline.current_file() end

---Whether a workfile is open.
---@return boolean
function pipeline.is_open() end

---The warnings of the last load (duplicate instance ids that got a new id).
---@return string[]
function pipeline.warnings() end

---Every instance's stored data (copies), in stored order.
---@return table[]
function pipeline.list_instances() end

---One instance's stored data (a copy), or nil.
---@param id string
---@return table?
function pipeline.get_instance(id) end

---Stores `data` as the instance `id` (usually `inst.id, inst:data_to_store()`), replacing what
---was stored under it. `data.instance_id`, when given, must equal `id`.
---@param id string
---@param data table
function pipeline.imprint(id, data) end

---Removes the instance `id`; whether it was there.
---@param id string
---@return boolean
function pipeline.remove_instance(id) end

---The items selected for creation: what `--select` gave on the command line (a copy).
---@return string[]
function pipeline.get_selection() end

---Replaces the selection.
---@param items string[]
function pipeline.set_selection(items) end

---Adds a write item (`write1`, `write2`, ...) to the workfile and returns its name: the stand-in
---for a DCC's "create a write node" when nothing is selected.
---@return string
function pipeline.create_write() end

---The workfile's items (made by create_write).
---@return string[]
function pipeline.list_items() end

---The workfile's context data (a copy): project, asset, task, root and anything stored.
---@return table<string, any>
function pipeline.get_context_data() end

---Sets context keys (`null` stores JSON null).
---@param values table<string, any>
function pipeline.update_context_data(values) end

---Writes the workfile now if anything changed.
function pipeline.save() end

---Runs `fn(...)` with writes held back, then writes once if anything changed, also when `fn`
---raises (the error is raised again). Batches nest; the outermost writes. Returns fn's results.
---@generic R
---@param fn fun(...): R
---@param ... any
---@return R
function pipeline.batch(fn, ...) end

---Where warnings go (default: stderr, `rscript: warning: ...`).
---@param handler fun(message: string)
function pipeline.set_warning_handler(handler) end

return pipeline
