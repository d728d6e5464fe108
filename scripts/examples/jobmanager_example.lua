-- rscript.jobmanager: background jobs, each in its own worker process (seed 003's JobManager).
-- Run: rscript run scripts/examples/jobmanager_example.lua
-- Jobs are written to the job queue in the gallery database ($RSCRIPT_DB, else
-- ~/.local/share/rscript/rscript.db); see them with `rscript jobs list`.
local JobManager = require("rscript.jobmanager")
local jm = JobManager.get_instance()
jm.max_workers = 2

-- Relative script paths are found from the working folder, else from this script's folder.
local ok, msg = jm:add_job("bake", "jobs/bake.lua", { timeout = 60, passed_data = { frames = 10 }, max_attempts = 2 })
assert(ok, msg)
assert(jm:add_job("bake small", "jobs/bake.lua", { passed_data = { frames = 3 } }))
assert(jm:add_job("broken", "jobs/broken.lua", { passed_data = { frames = 5 }, max_attempts = 2 }))

-- Bad input is refused with a message, as the seed's add_job does.
local refused, why = jm:add_job("bake", "jobs/bake.lua")
print("duplicate name:", refused, why)
assert(not refused)
refused, why = jm:add_job("ghost", "jobs/no_such_job.lua")
print("missing script:", refused, why)
assert(not refused)

-- Nothing to poll by hand: wait suspends this script until the job ends.
print("bake:", jm:wait("bake"))
assert(jm:get_job_state("bake") == "COMPLETED")
local data = jm:get_retrieved_python_data("bake")
print("result:", data.result, "frames:", data.frames)
assert(data.result == 42 and data.frames == 10)
local fraction, message = jm:get_job_progress("bake")
print("progress:", fraction, message)
assert(fraction == 1)

-- A failing job is tried max_attempts times, then DROPPED with its error and traceback.
print("broken:", jm:wait("broken"))
assert(jm:get_job_state("broken") == "DROPPED")
local issue = jm:get_issue_string("broken")
print(issue)
assert(issue:find("broken.lua:3: too many frames: 5", 1, true))
assert(issue:find("stack traceback", 1, true))

assert(jm:wait("bake small") == "COMPLETED")
print("completed:", table.concat(jm:get_completed_job_names(), ", "))
print("dropped:", table.concat(jm:get_dropped_job_names(), ", "))
print("log of bake:", jm:get_log_path("bake"))

-- Forget these jobs (and delete their rows and logs from the queue).
for _, name in ipairs(jm:get_job_names()) do jm:cleanup_job(name) end
assert(#jm:get_job_names() == 0)
