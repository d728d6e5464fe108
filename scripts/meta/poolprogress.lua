---@meta rscript.poolprogress

---Progress of a pool's futures, as the seed's PoolProgress: a total bar plus a bar per running
---task, each with an ETA, redrawn in place on a terminal (at most ten times a second); plain
---lines otherwise. Fractions and messages come from `client:progress` in the tasks.
---@class PoolProgress
local PoolProgress = {}

---@class PoolProgressOptions
---@field total? integer how many futures will be added (default: as many as are added)
---@field title? string the total bar's label (default "total")
---@field interval? number seconds between redraws (default 0.1)
---@field tty? boolean bars (true) or plain lines (false); default: whether stdout is a terminal
---@field stream? file* where to write (default io.stdout, or plain lines through print under --safe; any object with write and flush)
---@field width? integer columns (default: the terminal's)
---@field fail_fast? boolean raise at the first failure, cancelling the queued futures (default: when all are done)

---@param pool? Pool
---@param options? PoolProgressOptions
---@return PoolProgress
function PoolProgress.new(pool, options) end

---Tracks a future from `pool:apply_async` (rscript.pool's, or a `BlenderPool`'s) under `label`
---(default "task N"); returns it.
---@param future PoolFuture|BlenderFuture
---@param label? string
---@return PoolFuture
function PoolProgress:add(future, label) end

---Suspends until every future ended, redrawing as they move (it never spins: it sleeps until
---a future ends or the next redraw is due). Returns the results in the order added; if a task
---failed, raises `<label> failed: <message>` with the worker's traceback.
---@return any[]
function PoolProgress:wait() end

---Draws once (`wait` does it by itself). With a task id from `add_task` and a table, advances
---that task instead (visionsim's `progress.update(task, completed=, total=)`):
---`progress:update(id, {completed = 3, total = 10})`, `{advance = 1}`, `{message = "..."}`.
---@param final? boolean|PoolProgressTask
---@param fields? {completed?: number, total?: number, advance?: number, message?: string}
function PoolProgress:update(final, fields) end

---visionsim's `add_task`: a bar the caller advances with `progress:update(id, {...})`. The id
---is also callable, `id{completed =, total =}`, so it can be an `update_fn` (render progress
---tables carry `completed` and `total`). Given to a pool task among its arguments, it ends with
---that task (done or failed), so `wait` never hangs on a task whose Blender died.
---@param label string
---@param total? number
---@return PoolProgressTask
function PoolProgress:add_task(label, total) end

---@class PoolProgressTask
---@field completed number
---@field total number|nil
---@overload fun(fields: {completed?: number, total?: number, advance?: number})

return PoolProgress
