-- Three tasks that "render" tiles, each waiting on timers: they run at the same time, so the
-- whole takes about as long as one tile.
local time = require("rscript.time")
local task = require("rscript.task")

local started = time.monotonic()
local tiles = {}
for i = 1, 3 do
  tiles[i] = task.spawn(function(tile)
    local done = 0
    for step = 1, 4 do
      time.sleep(0.05)
      done = step * 25
    end
    return { tile = tile, percentDone = done }
  end, i)
end

local results = {}
for i, handle in ipairs(tiles) do
  local ok, result = handle:wait()
  assert(ok, result)
  results[i] = result
  print(string.format("tile %d: %d%%", result.tile, result.percentDone))
end
local elapsed = time.monotonic() - started
-- the tiles ran concurrently: about 0.2 s, not 0.6 s
assert(elapsed < 0.5, "tasks did not run concurrently: " .. elapsed)
print(string.format("3 tiles in %.2f s", elapsed))
