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
---@field channel? boolean a message channel: the child reads lines on fd 3 and writes lines on fd 4 (`send`, `receive`)
---@field keepAlive? boolean false: the running process does not keep the script running (a task waiting on it does); it is killed when the script ends (default true)

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

---With `channel = true`: writes one line (a newline is added; the line must not contain one)
---to the child's fd 3 without blocking (what the pipe does not take now is written in order
---later). False when the channel is closed or the child is gone.
---@param line string
---@return boolean
function Process:send(line) end

---With `channel = true`: the next line the child wrote to its fd 4. Suspends the calling task
---(others run) until one comes; nil after `timeout` seconds (0: do not wait), or once the
---process has exited and every line it wrote was received.
---@param timeout? number
---@return string|nil
function Process:receive(timeout) end

---Closes the child's fd 3 once what was sent is written: the child reads end of file.
function Process:closeChannel() end

---CPU and memory, from /proc while it runs.
---@return ProcessStats
function Process:stats() end

return process
