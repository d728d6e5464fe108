---@meta rscript

--- The null sentinel: a value standing for "nothing" that, unlike `nil`, can be stored in a
--- table. JSON `null` decodes to it. `tostring(null)` is `"null"`.
---@class rscript.Null: userdata

--- The null sentinel (the same value as `require("rscript").null` and `json.null`).
---@type rscript.Null
null = nil

--- The runtime itself: `require("rscript")`.
---@class rscript
local rscript = {}

--- The null sentinel.
---@type rscript.Null
rscript.null = nil

--- rscript's version, such as `"0.1.0"`.
---@type string
rscript.version = ""

--- Registers `fn` to run once when the runtime stops early (Ctrl-C, or the main chunk failing),
--- newest first, as a task (so it may wait), within a grace period. Not run after a normal end.
---@param fn fun()
function rscript.onStop(fn) end

--- Whether `value` is the null sentinel (false for `nil`).
---@param value any
---@return boolean
function rscript.isNull(value) end

return rscript
