---@meta rscript.log

--- Leveled log lines on stderr, through swift-log: `require("rscript.log")`. A line reads
--- `2026-11-21T20:00:00Z info rscript: message key=value`.
---@class rscript.log
local log = {}

---@alias rscript.log.Level "trace"|"debug"|"info"|"notice"|"warning"|"error"|"critical"

--- Logs `message` at level trace; `fields` become sorted `key=value` pairs.
---@param message string
---@param fields? table<string, any>
function log.trace(message, fields) end

--- Logs `message` at level debug.
---@param message string
---@param fields? table<string, any>
function log.debug(message, fields) end

--- Logs `message` at level info.
---@param message string
---@param fields? table<string, any>
function log.info(message, fields) end

--- Logs `message` at level notice.
---@param message string
---@param fields? table<string, any>
function log.notice(message, fields) end

--- Logs `message` at level warning.
---@param message string
---@param fields? table<string, any>
function log.warning(message, fields) end

--- Logs `message` at level error.
---@param message string
---@param fields? table<string, any>
function log.error(message, fields) end

--- Logs `message` at level critical.
---@param message string
---@param fields? table<string, any>
function log.critical(message, fields) end

--- Sets the lowest level written; an unknown name raises an error listing the valid ones.
---@param level rscript.log.Level
function log.setLevel(level) end

--- The lowest level written: `"info"` unless `RSCRIPT_LOG_LEVEL` or `setLevel` changed it.
---@return rscript.log.Level
function log.level() end

return log
