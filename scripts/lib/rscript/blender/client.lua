-- rscript.blender's BlenderClient: one persistent Blender process, its scene loaded once,
-- driven by JSON lines over the process's message channel (fds 3 and 4; see
-- scripts/blender/rscript_blender_server.py). The API is documented in scripts/meta/blender.lua.
local process = require("rscript.process")
local json = require("rscript.json")
local time = require("rscript.time")
local shellwords = require("rscript.shellwords")

local format, concat = string.format, table.concat

local BlenderClient = {}
BlenderClient.__index = BlenderClient
BlenderClient.__name = "BlenderClient"

-- The server script, shipped in <rscript>/scripts/blender/ (this file is in scripts/lib/rscript/blender/).
local _, here = ...
local function serverScript()
  local source = type(here) == "string" and here:find("%.lua$") and here
      or (debug and debug.getinfo(1, "S").source:gsub("^@", ""))
  if not source then error("rscript.blender: cannot locate its server script (no debug library)", 3) end
  local dir = source:match("^(.*)/[^/]*$") or "."
  return dir .. "/../../../blender/rscript_blender_server.py"
end

local spawnOptions = { timeout = 1, log_dir = 1, executable = 1, service = 1, threads = 1, log = 1, args = 1, jobs = 1 }

local function checkOptions(name, options)
  if options == nil then return {} end
  if type(options) ~= "table" then
    error(format("bad argument #1 to '%s' (table of options expected, got %s)", name, type(options)), 3)
  end
  for key in pairs(options) do
    if not spawnOptions[key] then
      error(format("%s: unknown option '%s' (expected timeout, log_dir, executable, service, threads)", name, tostring(key)), 3)
    end
  end
  if options.timeout ~= nil and (type(options.timeout) ~= "number" or options.timeout <= 0) then
    error(name .. ": timeout must be a number of seconds > 0, got " .. tostring(options.timeout), 3)
  end
  if options.threads ~= nil and (math.type(options.threads) ~= "integer" or options.threads < 0) then
    error(name .. ": threads must be an integer >= 0, got " .. tostring(options.threads), 3)
  end
  for _, key in ipairs({ "log_dir", "log", "executable", "service" }) do
    if options[key] ~= nil and type(options[key]) ~= "string" then
      error(format("%s: %s must be a string, got %s", name, key, type(options[key])), 3)
    end
  end
  return options
end
BlenderClient._checkOptions = checkOptions

local logNumber = 0

-- The last lines of a client's log, indented, for error messages.
local function lastLines(proc, n)
  local lines = proc:tail(n or 12)
  if #lines == 0 then return "  (no output)" end
  for i, line in ipairs(lines) do lines[i] = "  " .. line end
  return concat(lines, "\n")
end

local function start(options)
  local command = shellwords.split(options.executable or "blender", "BlenderClient.spawn", "executable")
  for _, word in ipairs({ "-b", "--factory-startup" }) do command[#command + 1] = word end
  if options.threads then
    command[#command + 1] = "-t"
    command[#command + 1] = tostring(options.threads)
  end
  command[#command + 1] = "--python"
  command[#command + 1] = serverScript()
  command[#command + 1] = "--"
  if options.service then
    command[#command + 1] = "--service"
    command[#command + 1] = options.service
  end
  local log
  local logDir = options.log_dir or options.log  -- `log`: visionsim's name
  if logDir then
    require("rscript.fs").mkdir(logDir)
    logNumber = logNumber + 1
    log = format("%s/blender-%d-%d.log", logDir, logNumber, math.floor(time.now() * 1000) % 100000000)
  end
  command.channel, command.keepAlive, command.log = true, false, log
  local proc = process.spawn(command)
  local timeout = options.timeout or 30
  local deadline = time.monotonic() + timeout
  while true do
    local line = proc:receive(math.max(0, deadline - time.monotonic()))
    if line == nil then
      local code = proc:poll()
      if code == nil then
        proc:kill()
        proc:wait(5)
        error(format("BlenderClient.spawn: Blender was not ready within %g s (log %s); its last lines:\n%s",
          timeout, proc.logPath, lastLines(proc)), 0)
      end
      error(format("BlenderClient.spawn: Blender exited with code %d before it was ready (log %s); its last lines:\n%s",
        code, proc.logPath, lastLines(proc)), 0)
    end
    local ok, message = pcall(json.decode, line)
    if ok and type(message) == "table" and message.ready then return proc, message end
  end
end

--- Starts one Blender with rscript's server script and waits until it is ready.
function BlenderClient.spawn(options)
  options = checkOptions("BlenderClient.spawn", options)
  local proc, hello = start(options)
  return setmetatable({
    pid = proc.pid,
    logPath = proc.logPath,
    blender = hello.blender,
    _proc = proc,
    _options = options,
    _nextID = 1,
    _replay = {},   -- the calls that set the scene up, made again after a restart
    _busy = false,
    dead = false,
    closed = false,
    restarts = 0,
  }, BlenderClient)
end

-- What update_fn gets: a table of its own (a callback may keep it).
local function report(progress, onProgress)
  onProgress({ frame = progress.frame, done = progress.done, total = progress.total, sample = progress.sample,
    samples = progress.samples, completed = progress.completed, path = progress.path })
end

-- "Fra:12 ... | Sample 5/8" lines of Cycles in the log, as progress of the frame in flight.
local function sampleProgress(lines, progress, onProgress)
  for _, line in ipairs(lines) do
    local frame, sample, samples = line:match("^Fra:(%-?%d+) .*| Sample (%d+)/(%d+)")
    if frame and progress.open and tonumber(frame) == progress.frame then
      progress.sample, progress.samples = tonumber(sample), tonumber(samples)
      progress.completed = progress.done + progress.sample / math.max(1, progress.samples)
      report(progress, onProgress)
    end
  end
end

-- A progress message of the server: a frame starts (no path) or ends (its path).
local function applyProgress(progress, fields, onProgress)
  for k, v in pairs(fields) do progress[k] = v end
  progress.open = fields.path == nil
  progress.sample = 0
  progress.completed = progress.done
  report(progress, onProgress)
  progress.path = nil
end

-- Sends one request and waits for its answer; progress messages go to `onProgress`, with the
-- samples Cycles prints in the log in between.
function BlenderClient:_request(method, args, kwargs, onProgress)
  if self.closed then error(format("BlenderClient:%s: the client is closed", method), 3) end
  if self.dead then error(format("BlenderClient:%s: Blender (pid %d) is dead; restart() the client", method, self.pid), 3) end
  while self._busy do time.sleep(0.005) end  -- one request at a time per client
  self._busy = true
  local id = self._nextID
  self._nextID = id + 1
  local proc = self._proc
  args = args or {}
  local encoded = json.encode({ id = id, method = method, args = json.array(args), kwargs = json.object(kwargs or {}) })
  if not proc:send(encoded) then
    self._busy = false
    self.dead = true
    error(format("BlenderClient:%s: Blender (pid %d) is gone (log %s); its last lines:\n%s", method, self.pid, proc.logPath, lastLines(proc)), 3)
  end
  local progress = { frame = nil, done = 0, total = 0, sample = 0, samples = 0, completed = 0, open = false }
  proc:readLines()  -- only this request's lines count for its progress
  while true do
    local line = proc:receive(onProgress and 0.1 or nil)
    if line == nil and proc:poll() ~= nil then
      self._busy = false
      self.dead = true
      local how = self.closed and "was closed" or format("died (exit code %d)", proc:poll())
      error(format("BlenderClient:%s: Blender (pid %d) %s during the call (log %s); its last lines:\n%s",
        method, self.pid, how, proc.logPath, lastLines(proc)), 3)
    end
    local message = line and json.decode(line)
    local mine = type(message) == "table" and message.id == id
    local fields = mine and message.progress
    if onProgress then
      if fields and fields.path == nil then applyProgress(progress, fields, onProgress) end
      sampleProgress(proc:readLines(), progress, onProgress)
      if fields and fields.path ~= nil then applyProgress(progress, fields, onProgress) end
    end
    if mine and fields == nil then
      self._busy = false
      if not onProgress then proc:readLines() end
      if message.ok then return message.result end
      error(format("BlenderClient:%s: %s\n%s", method, tostring(message.error), tostring(message.traceback or "")), 3)
    end
  end
end

-- A call that sets the scene up is remembered, and made again after a restart.
function BlenderClient:_setup(method, args, kwargs)
  local result = self:_request(method, args, kwargs)
  if method == "initialize" then self._replay = {} end
  self._replay[#self._replay + 1] = { method, args, kwargs }
  if method == "initialize" then self.info = result end
  return result
end

local function checkClient(self, name)
  if getmetatable(self) ~= BlenderClient then
    error(format("calling '%s' on bad self (a BlenderClient expected; use client:%s(...))", name, name), 3)
  end
end

local function checkFrame(name, position, n)
  if math.type(n) ~= "integer" then
    error(format("bad argument #%d to '%s' (integer frame expected, got %s)", position, name, math.type(n) or type(n)), 3)
  end
end

function BlenderClient:initialize(blend_file, root_path)
  checkClient(self, "initialize")
  if type(blend_file) ~= "string" then error("bad argument #1 to 'initialize' (path of a .blend expected, got " .. type(blend_file) .. ")", 2) end
  if type(root_path) ~= "string" then error("bad argument #2 to 'initialize' (output folder expected, got " .. type(root_path) .. ")", 2) end
  return self:_setup("initialize", { blend_file, root_path })
end

function BlenderClient:set_resolution(width, height)
  checkClient(self, "set_resolution")
  if type(width) == "table" then width, height = width[1], width[2] end
  if math.type(width) ~= "integer" or math.type(height) ~= "integer" or width <= 0 or height <= 0 then
    error("bad argument #1 to 'set_resolution' (positive integers width, height or {width, height} expected)", 2)
  end
  return self:_setup("set_resolution", { width, height })
end

--- Images at `pattern` (`/abs/frames/shot_####`; nil: back to <root_path>/frames/).
function BlenderClient:set_output(pattern)
  checkClient(self, "set_output")
  if pattern ~= nil and type(pattern) ~= "string" then error("bad argument #1 to 'set_output' (pattern string expected, got " .. type(pattern) .. ")", 2) end
  return self:_setup("set_output", { pattern == nil and json.null or pattern })
end

function BlenderClient:set_current_frame(n)
  checkClient(self, "set_current_frame")
  checkFrame("set_current_frame", 1, n)
  return self:_setup("set_current_frame", { n })
end

function BlenderClient:move_keyframes(options)
  checkClient(self, "move_keyframes")
  options = options or {}
  if type(options) ~= "table" then error("bad argument #1 to 'move_keyframes' (table {scale =, shift =} expected, got " .. type(options) .. ")", 2) end
  for key, value in pairs(options) do
    if key ~= "scale" and key ~= "shift" then error("move_keyframes: unknown option '" .. tostring(key) .. "' (expected scale, shift)", 2) end
    if type(value) ~= "number" then error("move_keyframes: " .. key .. " must be a number, got " .. type(value), 2) end
  end
  if options.scale ~= nil and options.scale <= 0 then error("move_keyframes: scale must be > 0, got " .. options.scale, 2) end
  return self:_setup("move_keyframes", {}, { scale = options.scale or 1.0, shift = options.shift or 0.0 })
end

function BlenderClient:set_camera(name)
  checkClient(self, "set_camera")
  if type(name) ~= "string" then error("bad argument #1 to 'set_camera' (camera name expected, got " .. type(name) .. ")", 2) end
  return self:_setup("set_camera", { name })
end

local function settingsCall(method)
  return function(self, settings)
    checkClient(self, method)
    if settings ~= nil and type(settings) ~= "table" then
      error(format("bad argument #1 to '%s' (table of settings expected, got %s)", method, type(settings)), 2)
    end
    return self:_setup(method, { json.object(settings or {}) })
  end
end
BlenderClient.cycles_settings = settingsCall("cycles_settings")
BlenderClient.image_settings = settingsCall("image_settings")

function BlenderClient:animation_range(options)
  checkClient(self, "animation_range")
  options = options or {}
  return self:_request("animation_range", {}, { frame_start = options.frame_start, frame_end = options.frame_end, frame_step = options.frame_step })
end

function BlenderClient:render_frame(n, options)
  checkClient(self, "render_frame")
  checkFrame("render_frame", 1, n)
  options = options or {}
  return self:_request("render_frame", { n }, { allow_skips = options.allow_skips or false }, options.update_fn)
end

function BlenderClient:render_frames(frames, options)
  checkClient(self, "render_frames")
  if type(frames) ~= "table" then error("bad argument #1 to 'render_frames' (list of frames expected, got " .. type(frames) .. ")", 2) end
  for i, n in ipairs(frames) do checkFrame("render_frames", 1, n) end
  options = options or {}
  return self:_request("render_frames", { json.array(frames) }, { allow_skips = options.allow_skips or false }, options.update_fn)
end

local animationOptions = { frame_start = 1, frame_end = 1, frame_step = 1, allow_skips = 1, update_fn = 1 }

function BlenderClient._checkAnimation(options)
  options = options or {}
  if type(options) ~= "table" then error("bad argument #1 to 'render_animation' (table of options expected, got " .. type(options) .. ")", 3) end
  for key in pairs(options) do
    if not animationOptions[key] then
      error("render_animation: unknown option '" .. tostring(key) .. "' (expected frame_start, frame_end, frame_step, allow_skips, update_fn)", 3)
    end
  end
  for _, key in ipairs({ "frame_start", "frame_end", "frame_step" }) do
    if options[key] ~= nil and math.type(options[key]) ~= "integer" then error("render_animation: " .. key .. " must be an integer", 3) end
  end
  if options.update_fn ~= nil and type(options.update_fn) ~= "function" and not (getmetatable(options.update_fn) or {}).__call then
    error("render_animation: update_fn must be a function", 3)
  end
  return options
end

function BlenderClient:render_animation(options)
  checkClient(self, "render_animation")
  options = BlenderClient._checkAnimation(options)
  return self:_request("render_animation", {}, {
    frame_start = options.frame_start, frame_end = options.frame_end, frame_step = options.frame_step,
    allow_skips = options.allow_skips or false,
  }, options.update_fn)
end

--- Calls `exposed_NAME(...)` of the service module.
function BlenderClient:call(name, ...)
  checkClient(self, "call")
  if type(name) ~= "string" then error("bad argument #1 to 'call' (function name expected, got " .. type(name) .. ")", 2) end
  local args = table.pack(...)
  local list = { name }
  for i = 1, args.n do list[i + 1] = args[i] == nil and json.null or args[i] end
  return self:_request("call", list)
end

--- Kills what is left of this Blender, starts a new one and makes the setup calls again.
function BlenderClient:restart()
  checkClient(self, "restart")
  if self.closed then error("BlenderClient:restart: the client is closed", 2) end
  if self._proc:poll() == nil then
    self._proc:kill()
    self._proc:wait(5)
  end
  local proc = start(self._options)
  self._proc, self.pid, self.logPath = proc, proc.pid, proc.logPath
  self.dead, self._busy = false, false
  self.restarts = self.restarts + 1
  for _, call in ipairs(self._replay) do
    local result = self:_request(call[1], call[2], call[3])
    if call[1] == "initialize" then self.info = result end
  end
  return self
end

--- Quits Blender (it finishes the request it is in) and reaps it; a dead one is reaped.
function BlenderClient:close()
  if getmetatable(self) ~= BlenderClient or self.closed then return end
  self.closed = true
  local proc = self._proc
  if proc:poll() == nil then
    if not self._busy then proc:send(json.encode({ id = 0, method = "quit" })) end
    proc:closeChannel()
    if proc:poll() == nil and (not pcall(proc.wait, proc, 5) or proc:poll() == nil) then
      proc:kill()
      pcall(proc.wait, proc, 5)
    end
  end
end

function BlenderClient:__close() self:close() end

function BlenderClient:__gc()
  if not self.closed and self._proc and self._proc:poll() == nil then self._proc:kill() end
end

function BlenderClient:__tostring()
  return format("BlenderClient(pid %d%s)", self.pid, self.closed and ", closed" or (self.dead and ", dead" or ""))
end

return BlenderClient
