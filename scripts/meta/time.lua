---@meta rscript.time

--- Clocks and sleeping: `require("rscript.time")`.
---@class rscript.time
local time = {}

--- Seconds since the Unix epoch, as a float (wall-clock time; it can jump).
---@return number
function time.now() end

--- Seconds from an arbitrary start that never goes backwards: for measuring durations.
---@return number
function time.monotonic() end

--- Suspends the calling task for `seconds` (0 to 1e9; anything else is "number out of range");
--- other tasks run meanwhile. Outside a task it blocks in place (Ctrl-C ends it).
---@param seconds number
function time.sleep(seconds) end

return time
