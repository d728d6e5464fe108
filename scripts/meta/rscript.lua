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

--- The path of the running rscript binary (what a farm plugin runs on its nodes, which must
--- see it at the same path: shared storage).
---@type string
rscript.executable = ""

--- Registers `fn` to run once when the runtime stops early (Ctrl-C, or the main chunk failing),
--- newest first, as a task (so it may wait), within a grace period. Not run after a normal end.
---@param fn fun()
function rscript.onStop(fn) end

--- A random (version 4) UUID as lowercase text, as Python's `str(uuid.uuid4())`.
---@return string
function rscript.uuid() end

--- Whether the ICU regular expression `pattern` matches `text` from its first character
--- (Python's `re.match`; end with `$` to match all of it). An invalid pattern is an error.
---@param pattern string
---@param text string
---@return boolean
function rscript.regexMatch(pattern, text) end

--- The plugin files of `kind` ("creators", "publish", "backgroundrenderers"), in load order:
--- the roots of RSCRIPT_PLUGIN_PATH, where `&` stands for ~/.config/rscript then scripts/plugins
--- (unset: `&`); one file per name.
---@param kind string
---@return string[]
function rscript.pluginFiles(kind) end

--- The folders searched for plugins of `kind`, in order.
---@param kind string
---@return string[]
function rscript.pluginFolders(kind) end

--- The exit status (0-125) of the process when the script ends without an error.
---@param status integer
function rscript.setExitStatus(status) end

--- Whether `value` is the null sentinel (false for `nil`).
---@param value any
---@return boolean
function rscript.isNull(value) end

return rscript
