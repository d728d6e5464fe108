-- Blocked-database benchmark (issue 15, see docs/benchmarks.md):
--   RSCRIPT_DB=$(mktemp -d)/g.db RSCRIPT_PLUGIN_PATH=scripts/bench \
--     rscript run scripts/bench/blocked_db.lua [COUNT] [LOCK_SECONDS]
-- COUNT renders polled at 1 s, each poll writing one gallery row (an image), while another
-- process (python3's sqlite3) holds the database's write lock for LOCK_SECONDS. A ticker task
-- sleeps 10 ms at a time meanwhile. Reports the worst lateness of the ticker's timers and of the
-- renders' polls from 3 s before the lock to 2 s after it, then checks in the database (sqlite3) that every
-- write landed once the lock was released.
local gallery = require("rscript.gallery")
local process = require("rscript.process")
local task = require("rscript.task")
local time = require("rscript.time")

local count = tonumber(arg[1]) or 500
local lockSeconds = tonumber(arg[2]) or 3
local db = assert(os.getenv("RSCRIPT_DB"), "set RSCRIPT_DB to a fresh database file")

local scene = os.tmpname()
local renders = {}
for i = 1, count do
  renders[i] = gallery.startRender{ renderer = "Sleeper", scene = scene,
                                     options = { poll = 1, seconds = 600, tag = "r" .. i } }
end

-- The ticker: each 10 ms sleep should end 10 ms after it began.
local phase = "settle"
local worst = { settle = 0, before = 0, locked = 0, after = 0, measured = 0 }
local ticking = true
local ticks = 0
local ticker = task.spawn(function()
  while ticking do
    local t = time.monotonic()
    time.sleep(0.01)
    local late = time.monotonic() - t - 0.01
    if late > worst[phase] then worst[phase] = late end
    -- a tick that ends after the lock may have been held up by it: the whole run counts
    if phase ~= "settle" and late > worst.measured then worst.measured = late end
    ticks = ticks + 1
  end
end)

time.sleep(2)  -- every render started and polling
phase = "before"
BENCH_POLL_LATENESS = 0
BENCH_POLL_WORST = 0
time.sleep(3)
local pollBefore = BENCH_POLL_LATENESS
BENCH_POLL_LATENESS = 0

local locker = process.spawn{ "python3", "-c", [[
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
print("released", flush=True)
]], db, tostring(lockSeconds), log = os.tmpname() }
local lockedAt
while not lockedAt do
  for _, line in ipairs(locker:readLines()) do
    if line == "locked" then lockedAt = time.monotonic() end
  end
  if not lockedAt then
    assert(locker:poll() == nil, "the locker exited: " .. table.concat(locker:tail(5), "\n"))
    time.sleep(0.005)
  end
end
phase = "locked"
local imagesAtLock = 0
for _, n in pairs(BENCH_IMAGES) do imagesAtLock = imagesAtLock + n end
assert(locker:wait() == 0, "the locker failed: " .. table.concat(locker:tail(5), "\n"))
local lockHeld = time.monotonic() - lockedAt
local pollLocked = BENCH_POLL_LATENESS
BENCH_POLL_LATENESS = 0
phase = "after"
time.sleep(2)
ticking = false
ticker:wait()

for _, r in ipairs(renders) do r:stop() end
for _, r in ipairs(renders) do r:wait() end  -- returns once the end is in the database

local expected, during = 0, 0
for _, n in pairs(BENCH_IMAGES) do expected = expected + n end
during = expected - imagesAtLock

local function query(sql)
  local pipe = assert(io.popen(string.format("sqlite3 %q %q", db, sql)))
  local out = pipe:read("a")
  pipe:close()
  return out
end
local found = 0
local wrongRenders = 0
for line in query("SELECT substr(path, 1, instr(path, '/') - 1), count(*) FROM render_images GROUP BY 1"):gmatch("[^\n]+") do
  local tag, n = line:match("^(.-)|(%d+)$")
  found = found + tonumber(n)
  if tonumber(n) ~= BENCH_IMAGES[tag] then wrongRenders = wrongRenders + 1 end
end
local stopped = tonumber(query("SELECT count(*) FROM renders WHERE state = 'stopped'"))

local function ms(seconds) return seconds * 1000 end
print(string.format("blocked database: %d renders polled at 1 s, one gallery write per poll; write lock held by another process for %.2f s", count, lockHeld))
print(string.format("  worst timer lateness (10 ms ticker, %d ticks, from 3 s before the lock to 2 s after): %.1f ms (target < 50 ms)",
  ticks, ms(worst.measured)))
print(string.format("    by the phase the tick ended in: %.1f ms before the lock, %.1f ms while locked, %.1f ms after",
  ms(worst.before), ms(worst.locked), ms(worst.after)))
print(string.format("  worst render-poll lateness over the same span: %.1f ms (target < 50 ms); %.1f ms before the lock, %.1f ms while locked",
  ms(BENCH_POLL_WORST), ms(pollBefore), ms(pollLocked)))
print(string.format("  writes: %d made (%d after the lock began), %d in the database, %d lost, %d renders with a wrong count (target 0 lost)",
  expected, during, found, expected - found, wrongRenders))
print(string.format("  renders recorded as stopped: %d of %d", stopped or -1, count))
os.remove(scene)
