---@meta rscript.pool

---A pool of worker processes, each with its own Lua state, running task scripts: Python's
---`multiprocessing.Pool` with a script in place of a function. A task script returns the
---function each worker runs for an item; it gets the worker's client first:
---```lua
----- render.lua
---return function(client, frame)   -- client.id, client.pid, client.state, client:progress(f, msg)
---  return { frame = frame }
---end
---```
---A free worker takes the next item (a dynamic queue). Workers start when work comes, are
---reused (a script is loaded once per worker), and exit when the pool is closed or the script
---ends. An item whose worker dies runs again on another worker, at most `retries` more times;
---each death is reported on stderr. A task's error always reaches the caller.
---@class Pool
---@field workers integer the most workers running at once
---@field retries integer how many times an item runs again after its worker died
local Pool = {}

---@class PoolOptions
---@field workers? integer a positive integer (default: the number of cores)
---@field retries? integer >= 0 (default 2)
---@field log_dir? string folder for the workers' logs, `pool<N>-worker<M>.log` (created if missing; default: a temporary folder removed at exit)

---Makes a pool (no worker starts until work comes). `Pool.new(4)` is `Pool.new{ workers = 4 }`.
---Raises `Pool.new: workers must be a positive integer, got 0` and the like.
---@param options? PoolOptions|integer
---@return Pool
function Pool.new(options) end

---Runs `f(client, item)` for each item; suspends the calling task (others run) and returns
---the results in order. Task results are data (JSON-like); a task returning nothing gives
---`null`. If a task fails, the queued items are cancelled, the running ones finish, and `map`
---raises `task 3 of 10 failed: <its message>` with the worker's traceback.
---`script` is found as given (absolute or from the current folder), else beside the calling
---file, else in the running script's folder.
---@param script string path of the task script
---@param items any[]
---@return any[]
function Pool:map(script, items) end

---As `map`, but each item is the list of arguments: `pool:starmap("t.lua", { {a, b}, {c, d} })`.
---@param script string
---@param argument_lists any[][]
---@return any[]
function Pool:starmap(script, argument_lists) end

---An iterator over the results in order, each as it is ready: `for result, index in
---pool:imap(...)`. A failed task raises at its turn (and cancels the items still queued).
---@param script string
---@param items any[]
---@return fun(): any, integer
function Pool:imap(script, items) end

---As `imap`, but results come as they finish; the second value is the item's index.
---@param script string
---@param items any[]
---@return fun(): any, integer
function Pool:imap_unordered(script, items) end

---Queues `f(client, args...)` and returns a future at once.
---@param script string
---@param args? any[]
---@return PoolFuture
function Pool:apply_async(script, args) end

---Runs `f(client, args...)` and returns its result (suspends; raises its error).
---@param script string
---@param args? any[]
---@return any
function Pool:apply(script, args) end

---No more work; the workers exit once what was submitted is done. Also when a `<close>`
---variable holding the pool goes out of scope.
function Pool:close() end

---Cancels the queued items and kills the workers; their items fail as cancelled.
function Pool:terminate() end

---Suspends until the workers have exited. Only after `close()` or `terminate()`.
function Pool:join() end

---@class PoolStats
---@field workers integer
---@field retries integer
---@field state "open"|"closed"|"terminated"
---@field pending integer items queued or running
---@field live integer workers running
---@field started integer workers started in all (replacements included)

---@return PoolStats
function Pool:stats() end

---Suspends until one of `futures` is ready (returns its index) or `timeout` seconds passed
---(returns nil).
---@param futures PoolFuture[]
---@param timeout? number
---@return integer|nil
function Pool.wait_any(futures, timeout) end

---The number of online cores: the default pool size.
---@return integer
function Pool.cpu_count() end

---The result of `apply_async`, to come.
---@class PoolFuture
local PoolFuture = {}

---Suspends until the task ended; returns its result or raises `task failed: <message>` with
---the worker's traceback. With `timeout`, raises `get: timed out after ...` when it passes.
---@param timeout? number seconds
---@return any
function PoolFuture:get(timeout) end

---Suspends until the task ended or `timeout` passed; returns whether it is ready.
---@param timeout? number
---@return boolean
function PoolFuture:wait(timeout) end

---@return boolean
function PoolFuture:ready() end

---Whether the task gave a result. Raises if it has not ended yet.
---@return boolean
function PoolFuture:successful() end

---@return "queued"|"running"|"done"|"failed"|"cancelled"
function PoolFuture:status() end

---The task's last `client:progress(fraction, message)`.
---@return number fraction
---@return string|nil message
function PoolFuture:progress() end

---@class PoolFutureInfo
---@field status "queued"|"running"|"done"|"failed"|"cancelled"
---@field fraction number
---@field message? string
---@field worker? integer the worker running it (or that ran it)
---@field attempts integer runs so far (retries included)
---@field elapsed? number seconds since its current run started (to its end, once ended)
---@field updates integer progress updates received
---@field error? string the failure, once failed

---@return PoolFutureInfo
function PoolFuture:info() end

---Cancels it if it has not started; returns whether it did.
---@return boolean
function PoolFuture:cancel() end

---The client a task function gets first.
---@class PoolClient
---@field id integer the worker's number in its pool (1, 2, ...; replacements get new numbers)
---@field pid integer the worker's process id
---@field state table kept between the items this worker runs (per task script)
local PoolClient = {}

---Reports progress to the parent (`future:progress()`, rscript.poolprogress).
---@param fraction number 0..1
---@param message? string
function PoolClient:progress(fraction, message) end

return Pool
