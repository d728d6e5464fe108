-- A task script for rscript.pool (used by scripts/examples/pool_example.lua): it returns the
-- function each worker runs for an item. A worker loads it once and calls the function for
-- every item it takes, so top-level setup (opening a scene, say) is paid once per worker.
local time = require("rscript.time")

return function(client, frame, seconds)
  -- client.id: the worker's number; client.state: a table kept between this worker's items
  client.state.frames = (client.state.frames or 0) + 1
  if type(frame) ~= "number" then error("frame must be a number, got " .. tostring(frame)) end
  local steps = 4
  for step = 1, steps do
    time.sleep((seconds or 0.04) / steps)  -- "render" a quarter of the frame
    client:progress(step / steps, string.format("frame %d: tile %d of %d", frame, step, steps))
  end
  return { frame = frame, image = string.format("frame_%04d.png", frame), worker = client.id,
           frames_by_this_worker = client.state.frames }
end
