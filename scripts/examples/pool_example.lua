-- rscript.pool: run a task script in worker processes, each with its own Lua state, and
-- rscript.poolprogress: follow their progress.
-- Run: rscript run scripts/examples/pool_example.lua
local Pool = require("rscript.pool")
local PoolProgress = require("rscript.poolprogress")

local pool = Pool.new{ workers = 2 }  -- default: one per core

-- map: results in order; a free worker takes the next frame. Task scripts are found beside
-- the calling script when the path is not found from the current folder.
local results = pool:map("tasks/render_frame.lua", { 1, 2, 3, 4 })
for i, result in ipairs(results) do
  assert(result.frame == i and result.image == string.format("frame_%04d.png", i))
end
print("map: " .. #results .. " frames, first by worker " .. results[1].worker)

-- imap: an iterator, results in order as they come (imap_unordered: as they finish)
local images = {}
for result, index in pool:imap("tasks/render_frame.lua", { 5, 6, 7 }) do
  images[index] = result.image
end
print("imap: " .. table.concat(images, ", "))

-- starmap: each inner table is the argument list
local slow = pool:starmap("tasks/render_frame.lua", { { 8, 0.08 }, { 9, 0.02 } })
assert(slow[1].frame == 8 and slow[2].frame == 9)

-- apply_async: a future
local future = pool:apply_async("tasks/render_frame.lua", { 10 })
print("apply_async: " .. future:get().image .. " (ready: " .. tostring(future:ready()) .. ")")

-- A task's error reaches the caller, with the worker's traceback.
local ok, err = pcall(function() return pool:map("tasks/render_frame.lua", { 11, "eleven" }) end)
assert(not ok and err:find("task 2 of 2 failed: .*frame must be a number, got eleven"))
print("error: " .. err:match("^[^\n]*"))

-- PoolProgress: a total bar and a bar per task on a terminal, plain lines otherwise.
local progress = PoolProgress.new(pool, { total = 4 })
for frame = 21, 24 do
  progress:add(pool:apply_async("tasks/render_frame.lua", { frame, 0.2 }), "frame " .. frame)
end
local rendered = progress:wait()  -- suspends; raises if a task failed
assert(#rendered == 4 and rendered[4].frame == 24)

pool:close()
pool:join()  -- the workers have exited
print("pool closed")
