-- Worker pool benchmarks (see docs/benchmarks.md, "Worker pool"):
--   rscript run scripts/bench/pool.lua [JOBS] [UPDATES] [ROUNDS]
-- 1. JOBS (200) trivial jobs, each running `true`, through a 2-worker pool (each task spawns
--    `true` with rscript.process and waits for it) beside `seq JOBS | xargs -P2 -n1 true`,
--    in the same run: the wall times and their ratio (target <= 1.10). The pool's time covers
--    everything: starting the workers, the jobs, closing and joining the pool. Also the pool
--    alone: the same JOBS items through tasks that only return their argument.
-- 2. The cost of one progress update seen by the parent: one task calls client:progress
--    UPDATES (50000) times; the parent's CPU time (its loop and I/O threads) over that call,
--    less a task that loops as long without reporting, divided by UPDATES (target < 2 us).
-- Each figure is the median of ROUNDS (5) rounds.
local Pool = require("rscript.pool")
local process = require("rscript.process")
local time = require("rscript.time")

local jobs = tonumber(arg[1]) or 200
local updates = tonumber(arg[2]) or 50000
local rounds = tonumber(arg[3]) or 5

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p " .. dir))
local function write(name, text)
  local f = assert(io.open(dir .. "/" .. name, "w"))
  f:write(text)
  f:close()
  return dir .. "/" .. name
end
local trueTask = write("true.lua", [[
local process = require("rscript.process")
return function(client, i)
  local p = process.spawn{ "true" }
  assert(p:wait() == 0)
  return i
end
]])
local echoTask = write("echo.lua", [[
return function(client, i) return i end
]])
local progressTask = write("progress.lua", [[
return function(client, n, report)
  local x = 0
  for i = 1, n do
    if report then client:progress(i / n) else x = x + i / n end
  end
  return n
end
]])

local function median(values)
  table.sort(values)
  return values[(#values + 1) // 2]
end

local function xargs()
  local t0 = time.monotonic()
  local p = process.spawn{ "sh", "-c", string.format("seq %d | xargs -P2 -n1 true", jobs) }
  assert(p:wait() == 0, "xargs failed")
  return time.monotonic() - t0
end

local items = {}
for i = 1, jobs do items[i] = i end

local function pooled(task)
  local t0 = time.monotonic()
  local pool = Pool.new{ workers = 2 }
  local results = pool:map(task or trueTask, items)
  pool:close()
  pool:join()
  local elapsed = time.monotonic() - t0
  assert(#results == jobs and results[jobs] == jobs)
  return elapsed
end

local xs, ps, ratios = {}, {}, {}
for round = 1, rounds do
  -- alternate which goes first, so neither always gets the warmer machine
  local x, p
  if round % 2 == 1 then x = xargs(); p = pooled() else p = pooled(); x = xargs() end
  xs[#xs + 1], ps[#ps + 1], ratios[#ratios + 1] = x, p, p / x
end
print(string.format("%d trivial jobs (true), 2 workers, median of %d rounds:", jobs, rounds))
print(string.format("  seq %d | xargs -P2 -n1 true   %7.1f ms", jobs, median(xs) * 1000))
print(string.format("  rscript.pool (2 workers)       %7.1f ms", median(ps) * 1000))
print(string.format("  wall ratio pool/xargs          %7.2f (target <= 1.10)", median(ratios)))
local echoes = {}
for _ = 1, rounds do echoes[#echoes + 1] = pooled(echoTask) end
print(string.format("  the pool alone (tasks return their argument, no process): %.1f ms", median(echoes) * 1000))

local pool = Pool.new{ workers = 1 }
pool:apply(progressTask, { 10, true })  -- start the worker, load the script
local function parentCost(report)
  local future = pool:apply_async(progressTask, { updates, report })
  local cpu0, wall0 = os.clock(), time.monotonic()
  future:get()
  local cpu, wall = os.clock() - cpu0, time.monotonic() - wall0
  if report then assert(future:info().updates == updates, "every update reached the parent") end
  return cpu, wall
end
local costs, walls = {}, {}
for _ = 1, rounds do
  local cpuWith, wallWith = parentCost(true)
  local cpuWithout = parentCost(false)
  costs[#costs + 1] = (cpuWith - cpuWithout) / updates
  walls[#walls + 1] = wallWith / updates
end
pool:close()
print(string.format("progress updates: %d from one task, median of %d rounds:", updates, rounds))
print(string.format("  parent CPU per update          %7.2f us (target < 2 us)", median(costs) * 1e6))
print(string.format("  wall per update, end to end    %7.2f us (bounded by the worker sending them)", median(walls) * 1e6))
os.execute("rm -rf " .. dir)
