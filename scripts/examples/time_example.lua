-- rscript.time: wall-clock time, a monotonic clock, and sleeping without blocking other tasks.
-- Run: rscript run scripts/examples/time_example.lua
local time = require("rscript.time")

local start = time.monotonic()
time.sleep(0.05)
local elapsed = time.monotonic() - start
print(string.format("slept for at least 0.05 s: %s", tostring(elapsed >= 0.05)))
assert(elapsed >= 0.05 and elapsed < 5)

local now = time.now()
assert(math.type(now) == "float" and math.abs(now - os.time()) < 2)
local stamp = os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(now))
print("now: " .. stamp)
assert(stamp:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"))
