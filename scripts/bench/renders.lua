-- Render scheduler benchmarks (see docs/benchmarks.md):
--   rscript run scripts/bench/renders.lua [COUNT] [WINDOW_SECONDS]
-- 1. COUNT concurrent renders whose processes just sleep, polled at 1 s: the runtime's CPU use
--    over WINDOW seconds and its resident memory.
-- 2. Exit-detection latency: 50 renders whose process exits after a random delay, polled at 5 s:
--    time from the process being reaped to isRenderFinished seeing it.
local gallery = require("rscript.gallery")
local time = require("rscript.time")

local count = tonumber(arg[1]) or 500
local window = tonumber(arg[2]) or 10

local function cpuSeconds()
  local stat = io.open("/proc/self/stat"):read("a")
  local fields = {}
  for f in stat:match("%) (.*)"):gmatch("%S+") do fields[#fields + 1] = f end
  return (tonumber(fields[12]) + tonumber(fields[13])) / 100  -- utime + stime, in ticks of 1/100 s
end

local function rssMB()
  local status = io.open("/proc/self/status"):read("a")
  return tonumber(status:match("VmRSS:%s+(%d+)")) / 1024
end

local scene = os.tmpname()
local renders = {}
local t0 = time.monotonic()
for i = 1, count do
  renders[i] = gallery.startRender{ renderer = "Sleeper", scene = scene, options = { poll = 1, seconds = window + 30 } }
end
time.sleep(2)  -- let every render start and settle into polling
local startup = time.monotonic() - t0
local cpu0, wall0 = cpuSeconds(), time.monotonic()
time.sleep(window)
local cpu = cpuSeconds() - cpu0
local wall = time.monotonic() - wall0
local running = 0
for _, r in ipairs(renders) do if r:state() == "rendering" then running = running + 1 end end
print(string.format("concurrent renders: %d running, polled at 1 s, for %.1f s", running, wall))
print(string.format("  rscript CPU: %.2f%% of one core (target < 1%% of a core, issue 14)", cpu / wall * 100))
print(string.format("  rscript RSS: %.1f MB (target < 150 MB)", rssMB()))
print(string.format("  starting them took %.2f s", startup))
for _, r in ipairs(renders) do r:stop() end
for _, r in ipairs(renders) do r:wait() end

local latencies = {}
local quick = {}
for i = 1, 50 do
  quick[i] = gallery.startRender{ renderer = "Sleeper", scene = scene, options = { poll = 5, seconds = string.format("%.3f", 0.2 + (i % 10) * 0.037) } }
end
for i, r in ipairs(quick) do
  assert(r:wait() == "finished", r:error())
  latencies[i] = r:metadata().exitLatency * 1000
end
table.sort(latencies)
print(string.format("exit-detection latency over %d renders (poll period 5 s): median %.2f ms, max %.2f ms (target median < 50 ms)",
  #latencies, latencies[#latencies // 2 + 1], latencies[#latencies]))
os.remove(scene)
