---@meta rscript.jobmanager

--- Background jobs, each in its own rscript worker process (seed 003's JobManager), queued
--- persistently in the gallery database: `require("rscript.jobmanager")`.
---@class rscript.jobmanager
local JobManager = {}

---@alias rscript.jobmanager.State "QUEUED"|"ACTIVE"|"COMPLETED"|"DROPPED"|"KILLED"|"TIMED_OUT"

---@class rscript.jobmanager.JobOptions
---@field timeout? number seconds an attempt may run before the job is TIMED_OUT (0 or nil: no limit)
---@field passed_data? table what the job script sees as `passed_data` (JSON-like data)
---@field max_attempts? integer attempts before a failing job is DROPPED (default: `jm.max_attempts`, 1)
---@field farm? "local"|"slurm" where the job runs (default: the manager's, see `get_instance`): "slurm" makes each attempt one sbatch job running the script in a worker on a node (docs/slurm.md)
---@field slurm? rscript.jobmanager.SlurmOptions sbatch options of a job with `farm = "slurm"` (default: the manager's)

--- sbatch options of a job on Slurm.
---@class rscript.jobmanager.SlurmOptions
---@field partition? string `--partition`
---@field time? string|integer `--time` (minutes, or Slurm's `D-HH:MM:SS` forms)
---@field mem? string|integer `--mem` (`"2G"`, or megabytes)
---@field cpus? integer `--cpus-per-task`
---@field args? string[] more sbatch arguments, as they are

--- `get_instance`'s optional table: where jobs added without a `farm` run.
---@class rscript.jobmanager.InstanceOptions
---@field farm? "local"|"slurm"
---@field slurm? rscript.jobmanager.SlurmOptions the default sbatch options of Slurm jobs

--- The runtime's job manager (one per runtime, made on first call). Opening the queue takes
--- over the jobs left QUEUED or ACTIVE by rscript processes that died, and runs them here.
--- Raises when the database cannot be opened. Opening and recovery run off the event loop; the
--- calling task waits (in place where it cannot be suspended). Jobs whose attempt was running on
--- Slurm are followed there (by their Slurm job id in the queue), not run again.
--- `get_instance{farm = "slurm", slurm = {...}}` makes Slurm the default farm of the jobs added
--- from then on without one (a bad table raises, naming the option).
---@param options? rscript.jobmanager.InstanceOptions
---@return rscript.jobmanager.JobManager
function JobManager.get_instance(options) end

--- The runtime's job manager.
---@class rscript.jobmanager.JobManager
---@field max_workers integer jobs run at once (default: the number of cores; at least 1)
---@field max_attempts integer `max_attempts` of jobs added without one (default 1)
---@field db_path string the database file of the queue (read-only)
local Manager = {}

--- Queues a job: `script` runs in a new worker process when a worker slot is free. The job is
--- written to the database before this returns (the calling task waits for the insert; the
--- event loop does not, and starts no job meanwhile). A relative `script` is found from the working
--- folder, else from the running script's folder.
--- Returns `true, ""`, or `false, message` for a duplicate name (in this manager), a missing
--- script, or bad options.
---@param name string
---@param script string
---@param options? rscript.jobmanager.JobOptions
---@return boolean ok
---@return string message
function Manager:add_job(name, script, options) end

--- Suspends the calling task until the job has ended and its worker is gone; returns its state
--- (the current state after `timeout` seconds, if given). With no name, waits for every job of
--- this manager and returns whether all COMPLETED. Only from inside a task (the main chunk is one).
---@param name? string
---@param timeout? number
---@return rscript.jobmanager.State|boolean
function Manager:wait(name, timeout) end

---@param name string
---@return rscript.jobmanager.State
function Manager:get_job_state(name) end

--- The fraction (0..1) and message the job last gave to `update_job_progress`.
---@param name string
---@return number fraction
---@return string|nil message
function Manager:get_job_progress(name) end

--- The job script's return value, or its `python_data` global; nil until COMPLETED.
---@param name string
---@return any
function Manager:get_retrieved_python_data(name) end

--- What went wrong: the error with the job script's traceback, the worker's last output lines
--- when it died, `"timed out"`, or `""` when nothing did.
---@param name string
---@return string
function Manager:get_issue_string(name) end

--- The job's id in the queue (for `rscript jobs show ID`).
---@param name string
---@return integer
function Manager:get_job_id(name) end

--- The job's log file (its output; every attempt appends).
---@param name string
---@return string
function Manager:get_log_path(name) end

--- Every field of the job, as `rscript jobs show --json` prints it; a job on Slurm also has
--- `slurm = {options =, job = (the Slurm job id of its last attempt), running =}`.
---@param name string
---@return table
function Manager:get_job_info(name) end

--- Kills a queued or running job (a running one's whole process tree); it is KILLED at once,
--- and this returns once that is in the database (the calling task waits, the loop does not).
--- False when it had already ended.
---@param name string
---@return boolean
function Manager:kill_job(name) end

--- Kills every unfinished job; returns how many, once their ends are in the database.
---@return integer
function Manager:kill_all() end

--- Kills the job if unfinished, forgets it, and deletes it (and its log) from the queue; its
--- name can then be used again. Returns once the row is deleted (the calling task waits).
---@param name string
function Manager:cleanup_job(name) end

---@return string[]
function Manager:get_job_names() end
---@return string[]
function Manager:get_queued_job_names() end
---@return string[]
function Manager:get_active_job_names() end
---@return string[]
function Manager:get_completed_job_names() end
--- Jobs that ended without completing: DROPPED, KILLED or TIMED_OUT (as in the seed).
---@return string[]
function Manager:get_dropped_job_names() end

---@return integer
function Manager:num_running_jobs() end
---@return integer
function Manager:num_pending_jobs() end
---@return integer
function Manager:num_available_workers() end
---@return integer
function Manager:num_completed_jobs() end
---@return integer
function Manager:num_dropped_jobs() end

---@return boolean all jobs COMPLETED
function Manager:jobs_complete() end
---@param name string
---@return boolean
function Manager:job_started(name) end
---@param name string
---@return boolean
function Manager:job_complete(name) end
--- DROPPED, KILLED or TIMED_OUT.
---@param name string
---@return boolean
function Manager:job_dropped(name) end
--- KILLED or TIMED_OUT.
---@param name string
---@return boolean
function Manager:job_killed(name) end
---@param name string
---@return boolean
function Manager:job_timed_out(name) end

--- Does nothing: the seed's timer had to call these; rscript runs the queue itself.
---@param name string
function Manager:process_job(name) end
function Manager:process_jobs() end

-- In a job script (its own worker process):

--- What `add_job` passed as `passed_data`.
---@type table
passed_data = {}

--- The job's result when the script returns nothing (the seed's name).
---@type any
python_data = nil

--- Reports the job's progress to its manager (through the worker's channel, not a file).
---@param fraction number 0..1
---@param message? string
function update_job_progress(fraction, message) end

return JobManager
