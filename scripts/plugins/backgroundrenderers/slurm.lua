-- Slurm background renderer: a farm plugin, as HQueue is beside Houdini's local renderers. The
-- render runs on a Slurm node as one `sbatch` job; the job runs `rscript render` there with the
-- plugin named by `--option renderer=...` (POV-Ray, Blender, Command, ...), and this plugin
-- follows it from here through the job's files and squeue. It uses only rscript.process,
-- rscript.fs and rscript.json: a studio can copy it for its own farm.
--
--   rscript render shot.pov --renderer Slurm --option renderer=POV-Ray --res 640x480
--   rscript render shot.pov --renderer Slurm --option renderer=POV-Ray --option partition=gpu \
--     --option sbatch='--time=30 --mem=4G' --option quality=9
--
-- Options (`--option KEY=VALUE`); every option this plugin does not know goes to the node's
-- renderer as it is (quality=9 above reaches POV-Ray):
--   renderer=LABEL   required: the plugin that renders on the node
--   partition=P      the Slurm partition (default: the cluster's default)
--   sbatch='...'     more sbatch arguments, split like a shell would
--   rscript=PATH     the rscript the node runs (default: this one, rscript.executable)
--   poll=1.0         seconds between polls (one squeue call each)
--   stop_timeout=30  seconds stopBackgroundRender waits for Slurm to report the job gone
--
-- Files, in this render's workDir (which the node must see: shared storage): job.sh (the batch
-- script), events.jsonl (the node's `rscript render --json` events: progress and images),
-- slurm.out (Slurm's output of the job), node.db and node-renders/ (the node's own gallery).
-- Metadata: state (Slurm's: PENDING, RUNNING, COMPLETED...), node, slurmJob, percentDone and
-- totalClockTime (from the node's renderer), and what the node's renderer reports besides.

local BackgroundRenderer = require("rscript.backgroundrenderer")
local process = require("rscript.process")
local fs = require("rscript.fs")
local json = require("rscript.json")
local rscript = require("rscript")

---@class SlurmRender: BackgroundRenderer
---@field job string the Slurm job id
---@field events string the node's event stream (events.jsonl)
---@field seen integer bytes of the event stream read so far
---@field poll number
---@field stopTimeout number
---@field ended table|nil the node's `end` event
---@field lastState string|nil Slurm's last state of the job
---@field over boolean|nil the job is over, or being cancelled
local SlurmRender = BackgroundRenderer:extend("SlurmRender")

local OWN = { renderer = true, partition = true, sbatch = true, rscript = true, poll = true, stop_timeout = true }
local LIVE = { PENDING = true, RUNNING = true, CONFIGURING = true, COMPLETING = true, SUSPENDED = true, REQUEUED = true }

---@return number
function SlurmRender:pollFrequency()
  return self.poll or 1.0
end

---@param old_options table
---@return table
function SlurmRender:getConfigOptions(old_options)
  return old_options
end

local function shellQuote(value)
  value = tostring(value)
  if value:match("^[%w%%+,./:=@_-]+$") then return value end
  return "'" .. value:gsub("'", "'\\''") .. "'"
end

--- Runs a Slurm client command to its end: its exit status and output lines (stdout and
--- stderr together). A command that does not answer in 30 s is killed.
local function slurm(argv, workDir)
  argv.log = fs.join(workDir, "slurm-commands.log")
  local ok, proc = pcall(process.spawn, argv)
  if not ok then
    error("Slurm: cannot run " .. argv[1] .. " (" .. tostring(proc) .. "): is Slurm installed? "
      .. "start one with: bash tools/slurm.sh start", 0)
  end
  local status = proc:wait(30)
  if status == nil then
    proc:terminate(1)
    error("Slurm: " .. argv[1] .. " did not answer in 30 s", 0)
  end
  return status, proc:readLines()
end

---@param scene_path string
---@param options BackgroundRenderOptions
function SlurmRender:startBackgroundRender(scene_path, options)
  local plugin = options.plugin or {}
  local viewport = options.viewport or {}
  local renderer = plugin.renderer
  if renderer == nil or tostring(renderer) == "" then
    error("Slurm: name the renderer that runs on the node, e.g. --option renderer=POV-Ray", 0)
  end
  if tostring(renderer) == "Slurm" then error("Slurm: the node's renderer cannot be Slurm itself", 0) end
  self.poll = tonumber(plugin.poll) or 1.0
  self.stopTimeout = tonumber(plugin.stop_timeout) or 30
  self.events = fs.join(self.workDir, "events.jsonl")
  self.seen = 0

  -- The node's command: the same render, through the named plugin, its events to a file here.
  local command = { plugin.rscript or rscript.executable, "render", fs.abspath(scene_path), "--renderer", tostring(renderer),
    "--json", "--db", fs.join(self.workDir, "node.db") }
  if viewport.res_x and viewport.res_y then
    command[#command + 1] = "--res"
    command[#command + 1] = math.tointeger(viewport.res_x) .. "x" .. math.tointeger(viewport.res_y)
  end
  if viewport.camera_path then
    command[#command + 1] = "--camera"
    command[#command + 1] = viewport.camera_path
  end
  local keys = {}
  for key in pairs(plugin) do
    if not OWN[key] then keys[#keys + 1] = key end
  end
  table.sort(keys)
  for _, key in ipairs(keys) do
    command[#command + 1] = "--option"
    command[#command + 1] = key .. "=" .. tostring(plugin[key])
  end
  local words = {}
  for i, word in ipairs(command) do words[i] = shellQuote(word) end
  local script = fs.join(self.workDir, "job.sh")
  fs.write(script, "#!/bin/sh\nexec " .. table.concat(words, " ") .. " > " .. shellQuote(self.events) .. "\n")

  local argv = { "sbatch", "--parsable", "--no-requeue", "--job-name=rscript-render:" .. fs.basename(scene_path),
    "--output=" .. fs.join(self.workDir, "slurm.out"), "--chdir=" .. self.workDir }
  if plugin.partition then argv[#argv + 1] = "--partition=" .. tostring(plugin.partition) end
  if plugin.sbatch then
    for _, word in ipairs(require("rscript.shellwords").split(tostring(plugin.sbatch), "Slurm", "sbatch")) do
      argv[#argv + 1] = word
    end
  end
  argv[#argv + 1] = script
  local status, lines = slurm(argv, self.workDir)
  local job = status == 0 and (lines[#lines] or ""):match("^(%d+)")
  if not job then
    error("Slurm: sbatch refused the render: " .. table.concat(lines, "; "), 0)
  end
  self.job = job
  self:updateMetadata{ slurmJob = tonumber(job), state = "PENDING", percentDone = 0, renderer = tostring(renderer) }
  -- Ctrl-C stops the runtime's tasks: the job is cancelled by a stop hook then.
  rscript.onStop(function() self:stopBackgroundRender() end)
end

--- Reads the node's events written since the last call: progress becomes metadata, images
--- are shown, and the `end` event is kept.
function SlurmRender:readEvents()
  if not fs.isfile(self.events) then return end
  local text = fs.read(self.events)
  if #text <= self.seen then return end
  local fresh = text:sub(self.seen + 1)
  local complete = fresh:match("^(.*\n)") or ""
  self.seen = self.seen + #complete
  for line in complete:gmatch("([^\n]+)\n") do
    local ok, event = pcall(json.decode, line)
    if ok and type(event) == "table" then
      if event.event == "progress" and type(event.metadata) == "table" then
        self:updateMetadata(event.metadata)
      elseif event.event == "image" and event.path then
        self:updateImagePath(event.path)
      elseif event.event == "end" then
        self.ended = event
        if type(event.metadata) == "table" then self:updateMetadata(event.metadata) end
      end
    end
  end
end

--- Slurm's state and node of the job (nil when Slurm no longer knows it).
function SlurmRender:slurmState()
  local status, lines = slurm({ "squeue", "-h", "-t", "all", "-j", self.job, "-o", "%T|%N" }, self.workDir)
  if status ~= 0 then return nil end
  local state, node = (lines[1] or ""):match("^([%u_]+)|(.*)$")
  return state, node
end

---@return boolean
function SlurmRender:isRenderFinished()
  local state, node = self:slurmState()
  self:readEvents()
  if state and state ~= self.lastState then
    self.lastState = state
    self:updateMetadata{ state = state, node = node ~= "" and node or nil }
  end
  if state and LIVE[state] then return false end
  self.over = true
  -- Over (or forgotten): the node's last events may still be on their way to this file.
  self:readEvents()
  if self.ended and self.ended.state == "finished" then
    self:updateMetadata{ state = state or "COMPLETED", percentDone = 100 }
    return true
  end
  local why = self.ended and ("the node's render " .. tostring(self.ended.state)) or ("Slurm job " .. self.job .. " ended " .. tostring(state or "(no longer known)"))
  local output = fs.isfile(fs.join(self.workDir, "slurm.out")) and fs.read(fs.join(self.workDir, "slurm.out")) or ""
  error("Slurm: " .. why .. (output ~= "" and ("\nslurm.out:\n" .. output) or ""), 0)
end

--- Cancels the job and returns once Slurm reports it gone (or after stop_timeout seconds).
function SlurmRender:stopBackgroundRender()
  if not self.job or self.over then return end
  self.over = true
  slurm({ "scancel", self.job }, self.workDir)
  local time = require("rscript.time")
  local deadline = time.monotonic() + self.stopTimeout
  while time.monotonic() < deadline do
    local state = self:slurmState()
    if state == nil or not LIVE[state] then
      self:updateMetadata{ state = state or "CANCELLED" }
      return
    end
    time.sleep(0.2)
  end
end

---@param manager BackgroundRendererManager
function registerBackgroundRenderers(manager)
  manager:registerBackgroundRenderer("Slurm", SlurmRender)
end
