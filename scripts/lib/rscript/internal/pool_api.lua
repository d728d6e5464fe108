-- rscript/internal/pool_api.lua: INTERNAL to the runtime, not a module to require; the module
-- is `require("rscript.pool")` (documented in scripts/meta/pool.lua and docs/modules/pool.md).
-- The Lua face of rscript.pool (PoolModule loads it as the chunk "[rscript.pool]" and calls it
-- with the Swift core): thin wrappers that raise the core's `false, message` answers at the
-- caller's level, so an error coming out of a wait (`map` after a task failed) points at the
-- line that called `map`.
local core = ...
local error, setmetatable, getmetatable, type, ipairs = error, setmetatable, getmetatable, type, ipairs
local getinfo = debug and debug.getinfo

-- The chunk of the function that called the API function (task scripts are looked up
-- beside it).
local function caller_source()
  local info = getinfo and getinfo(3, "S")
  return info and info.source or nil
end

---------------------------------------------------------------- futures

local Future = {}
Future.__index = Future
Future.__name = "PoolFuture"

function Future:get(timeout)
  local ok, value = self._core:get(timeout)
  if not ok then error(value, 2) end
  return value
end

function Future:wait(timeout)
  local ok, value = self._core:wait(timeout)
  if not ok then error(value, 2) end
  return value
end

function Future:ready() return self._core:ready() end

function Future:successful()
  local ok, value = self._core:successful()
  if not ok then error(value, 2) end
  return value
end

function Future:status() return self._core:status() end
function Future:progress() return self._core:progress() end
function Future:info() return self._core:info() end
function Future:cancel() return self._core:cancel() end
function Future:__tostring() return tostring(self._core) end

---------------------------------------------------------------- pools

local Pool = {}
Pool.__index = Pool
Pool.__name = "Pool"
Pool.Future = Future

function Pool.new(options)
  local ok, handle, workers, retries = core.new(options)
  if not ok then error(handle, 2) end
  return setmetatable({ _core = handle, workers = workers, retries = retries }, Pool)
end

local function batch(self, script, items, operation, source)
  if getmetatable(self) ~= Pool then
    error("calling '" .. operation .. "' on bad self (a Pool expected; use pool:" .. operation .. "(...))", 3)
  end
  local ok, b = self._core:batch(script, items, operation, source)
  if not ok then error(b, 3) end
  return b
end

function Pool:map(script, items)
  local ok, results = batch(self, script, items, "map", caller_source()):wait()
  if not ok then error(results, 2) end
  return results
end

function Pool:starmap(script, argument_lists)
  local ok, results = batch(self, script, argument_lists, "starmap", caller_source()):wait()
  if not ok then error(results, 2) end
  return results
end

local function iterator(b)
  return function()
    local ok, value, index = b:next()
    if not ok then error(value, 2) end
    return value, index
  end
end

function Pool:imap(script, items)
  return iterator(batch(self, script, items, "imap", caller_source()))
end

function Pool:imap_unordered(script, items)
  return iterator(batch(self, script, items, "imap_unordered", caller_source()))
end

function Pool:apply_async(script, args)
  if getmetatable(self) ~= Pool then error("calling 'apply_async' on bad self (use pool:apply_async(...))", 2) end
  local ok, handle = self._core:apply(script, args, caller_source())
  if not ok then error(handle, 2) end
  return setmetatable({ _core = handle }, Future)
end

function Pool:apply(script, args)
  if getmetatable(self) ~= Pool then error("calling 'apply' on bad self (use pool:apply(...))", 2) end
  local ok, handle = self._core:apply(script, args, caller_source())
  if not ok then error(handle, 2) end
  local done, value = handle:get()
  if not done then error(value, 2) end
  return value
end

function Pool:close() self._core:close() end
function Pool:terminate() self._core:terminate() end

function Pool:join()
  local ok, message = self._core:join()
  if not ok then error(message, 2) end
end

function Pool:stats() return self._core:stats() end
function Pool:__tostring() return tostring(self._core) end
-- `local pool <close> = Pool.new{...}`: closed (no more work; its workers exit once idle)
-- when the variable goes out of scope.
function Pool:__close() self._core:close() end

function Pool.wait_any(futures, timeout)
  if type(futures) ~= "table" then
    error("bad argument #1 to 'wait_any' (table of futures expected, got " .. type(futures) .. ")", 2)
  end
  local cores = {}
  for i, future in ipairs(futures) do
    if getmetatable(future) ~= Future then
      error("bad argument #1 to 'wait_any' (item " .. i .. " is not a future)", 2)
    end
    cores[i] = future._core
  end
  local ok, index = core.wait_any(cores, timeout)
  if not ok then error(index, 2) end
  return index
end

Pool.cpu_count = core.cpu_count
Pool._terminal = core.terminal

return Pool
