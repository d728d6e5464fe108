-- A job script (run by scripts/examples/jobmanager_example.lua). It runs in its own rscript
-- worker process with its own Lua state: `passed_data` is what add_job passed,
-- update_job_progress(fraction [, message]) reports progress, and the result is the return
-- value, or else the `python_data` global (the seed's name).
local n = passed_data.frames
local time = require("rscript.time")
for i = 1, n do
  time.sleep(0.01)  -- the work of one frame
  update_job_progress(i / n, "frame " .. i)
end
print("baked " .. n .. " frames")  -- goes to the job's log file
python_data = { result = 42, frames = n }
