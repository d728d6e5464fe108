-- rscript.log: leveled log lines on stderr, such as
--   2026-11-21T20:00:00Z info rscript: render started frames=240 scene=forest.blend
-- Run: rscript run scripts/examples/log_example.lua
local log = require("rscript.log")

log.info("render started", { scene = "forest.blend", frames = 240 })
log.debug("not shown at the default level")

local default = log.level()  -- "info", unless RSCRIPT_LOG_LEVEL says otherwise
print("default level: " .. default)

log.setLevel("debug")
print("level now: " .. log.level())
assert(log.level() == "debug")
log.debug("shown now", { step = "upload" })

local ok, message = pcall(log.setLevel, "loud")
print(message)
assert(not ok and message:find("invalid level 'loud'; expected one of trace, debug, info", 1, true))
log.setLevel(default)
