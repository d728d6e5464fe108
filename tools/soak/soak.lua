-- Soak: renders, jobs and pool tasks through one runtime, in rounds; the runtime's resident
-- memory after the first tenth of the work and after all of it must stay within 20 MB.
-- Run by tools/soak.sh (which sets up a fresh database and the `true` renderer plugin).
local gallery = require("rscript.gallery")
local JobManager = require("rscript.jobmanager")
local Pool = require("rscript.pool")
local time = require("rscript.time")

local rounds = tonumber((...)) or 100
local RENDERS, JOBS, TASKS = 100, 200, 2000   -- per round: 10,000 / 20,000 / 200,000 in 100 rounds
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local scene = here .. "soak.lua"                 -- any existing file will do as the scene

local function rssMB()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then return tonumber(kb) / 1024 end
  end
end

local jm = JobManager.get_instance()
local pool = Pool.new{ workers = 2 }
local items = {}
for i = 1, TASKS do items[i] = i end
local done = { renders = 0, jobs = 0, tasks = 0 }
local checkpoint
local started = time.monotonic()

for round = 1, rounds do
  local renders = {}
  for i = 1, RENDERS do renders[i] = gallery.startRender{ renderer = "SoakTrue", scene = scene } end
  for i = 1, JOBS do
    local ok, message = jm:add_job("soak-" .. round .. "-" .. i, here .. "job.lua", { passed_data = { n = i } })
    assert(ok, message)
  end
  local results = pool:map(here .. "task.lua", items)
  assert(#results == TASKS and results[TASKS] == TASKS * 2)
  for _, r in ipairs(renders) do assert(r:wait() == "finished", r:error()) end
  assert(jm:wait() == true, "every job completed")
  for i = 1, JOBS do jm:cleanup_job("soak-" .. round .. "-" .. i) end
  done.renders, done.jobs, done.tasks = done.renders + RENDERS, done.jobs + JOBS, done.tasks + TASKS
  if round == math.max(1, rounds // 10) or round == rounds or round % 10 == 0 then
    collectgarbage() collectgarbage()
    local rss = rssMB()
    if round == math.max(1, rounds // 10) then checkpoint = rss end
    print(string.format("round %3d: %6d renders %6d jobs %7d pool tasks  RSS %6.1f MB  Lua heap %6.1f MB  %5.0f s",
      round, done.renders, done.jobs, done.tasks, rss, collectgarbage("count") / 1024, time.monotonic() - started))
  end
end
pool:close()
pool:join()

local final = rssMB()
local growth = final - checkpoint
print(string.format("RSS after the first tenth %.1f MB, after all %.1f MB: grew %.1f MB (target: within 20 MB) %s",
  checkpoint, final, growth, math.abs(growth) <= 20 and "PASS" or "FAIL"))
if math.abs(growth) > 20 then os.exit(1) end
