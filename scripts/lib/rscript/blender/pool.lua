-- rscript.blender's pool: `BlenderClients.pool(jobs, {log_dir =, timeout =})`, visionsim's
-- multiprocessing-like pool whose applicators inject a client as each task's first argument.
-- Tasks are functions of the calling script, run as its tasks (coroutines), one at a time per
-- client; a queued task goes to whichever client is free. A task that raises fails with its
-- traceback and the client is reused; a task whose Blender dies fails with Blender's last log
-- lines (or runs once more with `retry = true`), and the client is restarted.
local task = require("rscript.task")
local time = require("rscript.time")
local BlenderClients = require("rscript.blender.clients")

local format, pack, unpack = string.format, table.pack, table.unpack
local traceback = debug and debug.traceback or function(message) return tostring(message) end

---------------------------------------------------------------- futures

local Future = {}
Future.__index = Future
Future.__name = "BlenderFuture"

local function newFuture(pool, fn, args, retry, index)
  return setmetatable({ _pool = pool, _fn = fn, _args = args, _retry = retry, _status = "queued",
    _index = index, _submitted = time.monotonic(), _updates = 0 }, Future)
end

function Future:status() return self._status end
function Future:ready() return self._status == "done" or self._status == "failed" or self._status == "cancelled" end
function Future:successful()
  if not self:ready() then error("BlenderFuture:successful: the task is not finished", 2) end
  return self._status == "done"
end
function Future:progress()
  if self._status == "done" then return 1 end
  return self._fraction or 0
end

function Future:info()
  local now = time.monotonic()
  return {
    status = self._status,
    fraction = self:progress(),
    message = self._message,
    worker = self._worker,
    error = self._error,
    elapsed = self._started and ((self._ended or now) - self._started) or nil,
    updates = self._updates,
  }
end

function Future:cancel()
  if self._status ~= "queued" then return false end
  self._status, self._error = "cancelled", "cancelled"
  return true
end

-- Suspends until one of `futures` is ready, or `timeout` passes; returns its index or nil.
function Future.wait_any(futures, timeout)
  local deadline = timeout and time.monotonic() + timeout
  while true do
    for i, f in ipairs(futures) do if f:ready() then return i end end
    if deadline and time.monotonic() >= deadline then return nil end
    -- a running task of the set, else any running task of its pool (its end dispatches more)
    local target
    for _, f in ipairs(futures) do if f._task and not f:ready() then target = f break end end
    if not target and futures[1] then
      for _, f in ipairs(futures[1]._pool._running) do target = f break end
    end
    if deadline or not target then
      time.sleep(math.min(0.05, math.max(0.001, deadline and deadline - time.monotonic() or 0.05)))
    else
      target._task:wait()
    end
  end
end

function Future:wait(timeout)
  local deadline = timeout and time.monotonic() + timeout
  while not self:ready() do
    if deadline and time.monotonic() >= deadline then return false end
    if self._task and not deadline then
      self._task:wait()
    else
      Future.wait_any({ self }, deadline and math.max(0, deadline - time.monotonic()) or nil)
    end
  end
  return true
end

function Future:get(timeout)
  if not self:wait(timeout) then error("BlenderFuture:get: not finished within " .. tostring(timeout) .. " s", 2) end
  if self._status ~= "done" then error(self._error, 2) end
  return unpack(self._result, 1, self._result.n)
end

function Future:__tostring() return format("BlenderFuture(%s)", self._status) end

---------------------------------------------------------------- the pool

local BlenderPool = {}
BlenderPool.__index = BlenderPool
BlenderPool.__name = "BlenderPool"
BlenderPool.Future = Future

-- Hands queued tasks to free clients.
local function dispatch(self)
  while #self._free > 0 and self._queue[self._head] do
    local future = self._queue[self._head]
    self._queue[self._head] = nil
    self._head = self._head + 1
    if future._status == "queued" then
      local slot = table.remove(self._free, 1)
      self:_start(future, slot)
    end
  end
end

function BlenderPool:_start(future, slot)
  local client = self.clients.clients[slot]
  future._status, future._worker, future._started = "running", slot, time.monotonic()
  self._running[#self._running + 1] = future
  future._task = task.spawn(function()
    local attempts = 0
    while true do
      attempts = attempts + 1
      local result = pack(xpcall(future._fn, traceback, client, unpack(future._args, 1, future._args.n)))
      if result[1] then
        future._result = pack(unpack(result, 2, result.n))
        future._status = "done"
        break
      end
      local dead = client.dead
      if dead then pcall(client.restart, client) end
      if not (dead and future._retry and attempts < 2 and not client.dead) then
        future._error = tostring(result[2])
        future._status = "failed"
        break
      end
    end
    future._ended = time.monotonic()
    for i, f in ipairs(self._running) do
      if f == future then table.remove(self._running, i) break end
    end
    self._free[#self._free + 1] = slot
    dispatch(self)
  end)
end

local function checkPool(self, name)
  if getmetatable(self) ~= BlenderPool then
    error(format("calling '%s' on bad self (a BlenderPool expected; use pool:%s(...))", name, name), 3)
  end
  if self._closed then error(format("BlenderPool:%s: the pool is closed", name), 3) end
end

local function callable(fn)
  return type(fn) == "function" or (getmetatable(fn) or {}).__call ~= nil
end

-- Progress tasks (`progress:add_task`) among the arguments follow the future.
local function bindProgress(future, args)
  for i = 1, args.n do
    local arg = args[i]
    local mt = getmetatable(arg)
    if type(arg) == "table" and mt and mt.__name == "PoolProgressTask" then arg:_bind(future) end
  end
end

--- Queues `fn(client, args...)`; returns a future at once. Options: `retry` (run it once more
--- when its Blender dies).
function BlenderPool:apply_async(fn, args, options)
  checkPool(self, "apply_async")
  if not callable(fn) then error("bad argument #1 to 'apply_async' (function expected, got " .. type(fn) .. ")", 2) end
  if args ~= nil and type(args) ~= "table" then error("bad argument #2 to 'apply_async' (list of arguments expected, got " .. type(args) .. ")", 2) end
  if options ~= nil and type(options) ~= "table" then error("bad argument #3 to 'apply_async' (table of options expected, got " .. type(options) .. ")", 2) end
  local list = pack(unpack(args or {}, 1, args and (args.n or #args) or 0))
  local future = newFuture(self, fn, list, options and options.retry or false, #self._all + 1)
  bindProgress(future, list)
  self._all[#self._all + 1] = future
  self._tail = self._tail + 1
  self._queue[self._tail] = future
  dispatch(self)
  return future
end

function BlenderPool:apply(fn, args, options)
  return self:apply_async(fn, args, options):get()
end

local function submitAll(self, name, fn, items, star)
  checkPool(self, name)
  if not callable(fn) then error(format("bad argument #1 to '%s' (function expected, got %s)", name, type(fn)), 3) end
  if type(items) ~= "table" then error(format("bad argument #2 to '%s' (list expected, got %s)", name, type(items)), 3) end
  local futures = {}
  for i, item in ipairs(items) do
    if star and type(item) ~= "table" then error(format("%s: item %d is not a list of arguments", name, i), 3) end
    futures[i] = self:apply_async(fn, star and item or { item })
  end
  return futures
end

local function cancelRest(futures)
  for _, f in ipairs(futures) do f:cancel() end
end

local function failure(futures, i)
  return format("task %d of %d failed: %s", i, #futures, futures[i]._error)
end

local function collect(self, name, fn, items, star)
  local futures = submitAll(self, name, fn, items, star)
  local results = {}
  for i, f in ipairs(futures) do
    f:wait()
    if f._status ~= "done" then
      cancelRest(futures)
      error(failure(futures, i), 3)
    end
    results[i] = f._result[1]
  end
  return results
end

function BlenderPool:map(fn, items) return collect(self, "map", fn, items, false) end
function BlenderPool:starmap(fn, argument_lists) return collect(self, "starmap", fn, argument_lists, true) end

function BlenderPool:imap(fn, items)
  local futures = submitAll(self, "imap", fn, items, false)
  local i = 0
  return function()
    i = i + 1
    local f = futures[i]
    if not f then return nil end
    f:wait()
    if f._status ~= "done" then
      cancelRest(futures)
      error(failure(futures, i), 2)
    end
    return f._result[1], i
  end
end

function BlenderPool:imap_unordered(fn, items)
  local futures = submitAll(self, "imap_unordered", fn, items, false)
  local pending = {}
  for i, f in ipairs(futures) do pending[i] = f end
  return function()
    if #pending == 0 then return nil end
    local k = Future.wait_any(pending)
    local f = table.remove(pending, k)
    if f._status ~= "done" then
      cancelRest(futures)
      error(failure(futures, f._index - futures[1]._index + 1), 2)
    end
    return f._result[1], f._index - futures[1]._index + 1
  end
end

--- No more work; `join` then waits for what was submitted and quits the clients.
function BlenderPool:close()
  if getmetatable(self) ~= BlenderPool then error("calling 'close' on bad self (use pool:close())", 2) end
  self._closed = true
end

function BlenderPool:join()
  if getmetatable(self) ~= BlenderPool then error("calling 'join' on bad self (use pool:join())", 2) end
  if not self._closed then error("BlenderPool:join: close() the pool first", 2) end
  for _, f in ipairs(self._all) do f:wait() end
  self.clients:close()
end

--- Cancels the queued tasks and kills the clients.
function BlenderPool:terminate()
  self._closed = true
  cancelRest(self._all)
  for _, client in ipairs(self.clients.clients) do
    client.closed = true
    client._proc:kill()
  end
end

function BlenderPool:__close()
  self._closed = true
  for _, f in ipairs(self._all) do f:wait() end
  self.clients:close()
end

function BlenderPool:__tostring()
  return format("BlenderPool(%d clients, %d tasks)", #self.clients.clients, #self._all)
end

--- `BlenderClients.pool(jobs, {log_dir =, timeout =, executable =, service =, threads =})`.
return function(jobs, options)
  if math.type(jobs) ~= "integer" or jobs < 1 then
    error("bad argument #1 to 'BlenderClients.pool' (positive integer jobs expected, got " .. tostring(jobs) .. ")", 2)
  end
  if options ~= nil and type(options) ~= "table" then
    error("bad argument #2 to 'BlenderClients.pool' (table of options expected, got " .. type(options) .. ")", 2)
  end
  local spawn = { jobs = jobs }
  for k, v in pairs(options or {}) do spawn[k] = v end
  if spawn.log ~= nil and spawn.log_dir == nil then spawn.log_dir, spawn.log = spawn.log, nil end  -- visionsim's older name
  local ok, clients = pcall(BlenderClients.spawn, spawn)
  if not ok then error(clients, 2) end
  local self = setmetatable({ clients = clients, _free = {}, _queue = {}, _head = 1, _tail = 0, _all = {}, _running = {},
    _closed = false }, BlenderPool)
  for i = 1, jobs do self._free[i] = i end
  return self
end
