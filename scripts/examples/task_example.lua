-- rscript.task: run functions concurrently as tasks and wait for their results.
-- Run: rscript run scripts/examples/task_example.lua
local task = require("rscript.task")
local time = require("rscript.time")

local finished = {}
local function render(name, seconds)
  time.sleep(seconds)  -- other tasks run meanwhile
  finished[#finished + 1] = name
  return name .. " done", seconds
end

local slow = task.spawn(render, "slow", 0.06)
local fast = task.spawn(render, "fast", 0.02)

local ok, message, seconds = slow:wait()
assert(ok and message == "slow done" and seconds == 0.06)
assert(fast:wait())
local order = table.concat(finished, ", ")
print("finished in order: " .. order)
assert(order == "fast, slow")
assert(slow:status() == "finished")

-- A failure comes back from wait() as pcall would give it.
local broken = task.spawn(function() error("no such scene", 0) end)
local good, err = broken:wait()
print("failed task: " .. err)
assert(not good and err == "no such scene")
