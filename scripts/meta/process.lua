---@meta rscript.process

---Start and watch external programs without blocking the runtime.
---Each process runs in its own process group; signals go to the whole group. Its stdout and
---stderr are drained in the background into `logPath`, so a chatty program never blocks.
---@class rscript.process
local process = {}

---@class ProcessSpawnSpec
---@field [1] string the program (looked up in PATH)
---@field [integer] string|number its arguments
---@field cwd? string working directory (must exist)
---@field env? table<string, string|number|false> variables to set (false removes one); the rest is inherited
---@field log? string the log file (default: a file under $TMPDIR/rscript-<pid>/)

---Starts a program. Raises `process.spawn: cannot run 'x': No such file or directory` when it cannot.
---@param spec ProcessSpawnSpec
---@return Process
function process.spawn(spec) end

---The number of a signal name ("TERM", "SIGINT", ...).
---@param name string
---@return integer
function process.signal(name) end

---@class Process
---@field pid integer the process id (and its process group id)
---@field logPath string where all its output goes
local Process = {}

---nil while it runs; else its exit code, or the negative signal number that killed it.
---@return integer|nil
function Process:poll() end

---Suspends the calling task until the process exits (other tasks run meanwhile); returns the
---exit code (as poll), or nil after `timeout` seconds.
---@param timeout? number
---@return integer|nil
function Process:wait(timeout) end

---Sends a signal (default "KILL") to the whole process group. Returns false when it is gone.
---@param signal? string|integer
---@return boolean
function Process:kill(signal) end

---SIGTERM to the group, SIGKILL after `grace` seconds (default 5); waits and returns the exit code.
---@param grace? number
---@return integer|nil
function Process:terminate(grace) end

---Output lines (stdout and stderr) that arrived since the last call, split on LF and on CR.
---@return string[]
function Process:readLines() end

---The last `n` lines of output (default 20).
---@param n? integer
---@return string[]
function Process:tail(n) end

---@class ProcessStats
---@field cpu number user + system CPU seconds
---@field rss integer resident memory now, bytes
---@field peakRss integer peak resident memory, bytes
---@field running boolean
---@field elapsed number seconds since it started

---CPU and memory, from /proc while it runs.
---@return ProcessStats
function Process:stats() end

return process
