---@meta rscript.task

--- Concurrent tasks of the runtime: `require("rscript.task")`.
---@class rscript.task
local task = {}

---@alias rscript.task.Status "ready"|"running"|"suspended"|"finished"|"failed"

--- A running or finished task.
---@class rscript.task.Task
---@field id integer The task's number, unique in the runtime.
local Task = {}

--- Suspends the calling task until this one ends; returns `true, results...` or
--- `false, message`, as `pcall` does. Only from inside a task, and not for itself.
---@return boolean ok
---@return any ...
function Task:wait() end

--- Where the task is in its life.
---@return rscript.task.Status
function Task:status() end

--- Starts `fn(...)` as a task; it first runs at the next turn of the loop. A task that fails
--- with nobody waiting for it is reported, and `rscript run` then exits with status 1.
---@param fn function
---@param ... any
---@return rscript.task.Task
function task.spawn(fn, ...) end

return task
