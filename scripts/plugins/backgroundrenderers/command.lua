-- Command background renderer: Houdini's FastRender example (Render Gallery background render
-- plugin, husd.backgroundrenderer) with the renderer's command line given as an option, for a
-- studio's own renderer.
--
--   rscript render shot.usd --renderer Command --res 640x480 \
--     --option command='myrenderer --width {res_x} --height {res_y} --out {output} {scene}' \
--     --option progress='(%d+)%% done' --option output=image.exr
--
-- Options (`--option KEY=VALUE`):
--   command='...'   required. Split into words like a shell would (quotes, backslashes) but run
--                   WITHOUT a shell; each word then gets its placeholders replaced, so a path with
--                   spaces stays one argument:
--                     {scene} {output} {workDir} {res_x} {res_y} {camera} {itemId} {{ }}
--   shell=1         run the command with `sh -c` instead (pipes, redirections, $VARS); the
--                   placeholders are then replaced by single-quoted values
--   progress='...'  a Lua pattern matched against each output line (stdout and stderr, split on LF
--                   and CR); its first capture is the percent done, e.g. '(%d+)%%' or
--                   '^Progress: ([%d.]+)'. A second capture, if any, is a total: first/second.
--   output=NAME     the image file name in the workDir, or an absolute path (default image.png);
--                   shown when it appears or changes while the command runs, and at the end
--   image='...'     a Lua pattern capturing image paths the command prints (e.g. "^Wrote (.+)$"),
--                   each shown as it is printed
--   poll=1.0        seconds between progress checks
--   stop_signal=TERM, stop_grace=3   how a stop ends the command (then SIGKILL)
--
-- The render fails when the command exits non-zero (with the last 20 lines of its output), or
-- exits 0 without writing its output.

local BackgroundRenderer = require("rscript.backgroundrenderer")
local process = require("rscript.process")
local fs = require("rscript.fs")

---@class CommandRender: BackgroundRenderer
---@field proc Process the command
---@field output string absolute path of the image the command writes
---@field progressPattern string|nil
---@field imagePattern string|nil
---@field poll number
---@field stopSignal string
---@field stopGrace number
---@field lastStamp string|nil size:mtime of the output when it was last shown
---@field seenStamp string|nil size:mtime of the output at the last poll
local CommandRender = BackgroundRenderer:extend("CommandRender")

---@return number
function CommandRender:pollFrequency()
  return self.poll or 1.0
end

---@param old_options table
---@return table
function CommandRender:getConfigOptions(old_options)
  return old_options
end

local function isOn(value)
  if value == true then return true end
  if value == nil or value == false then return false end
  local s = tostring(value):lower()
  return s == "1" or s == "true" or s == "yes" or s == "on"
end

--- Splits a command line into words as a POSIX shell would, without running a shell.
local function splitWords(text)
  return require("rscript.shellwords").split(text, "Command", "command")
end

--- 'value' for sh -c, with any ' inside made safe.
local function shellQuote(value)
  return "'" .. value:gsub("'", "'\\''") .. "'"
end

--- Replaces {name} placeholders in `text`; an unknown or unset one is an error naming it.
local function substitute(text, values, quote)
  local result = text:gsub("{{", "\1"):gsub("}}", "\2"):gsub("{([%w_]*)}", function(name)
    local value = values[name]
    if value == nil then
      if name == "res_x" or name == "res_y" or name == "camera" then
        error(string.format("Command: the command uses {%s} but the render has no %s (give --%s)",
          name, name == "camera" and "camera" or "resolution", name == "camera" and "camera" or "res"), 0)
      end
      error(string.format("Command: unknown placeholder {%s} in the command (known: {scene} {output} "
        .. "{workDir} {res_x} {res_y} {camera} {itemId}; {{ and }} for braces)", name), 0)
    end
    value = tostring(value)
    return quote and quote(value) or value
  end)
  return (result:gsub("\1", "{"):gsub("\2", "}"))
end

---@param scene_path string
---@param options BackgroundRenderOptions
function CommandRender:startBackgroundRender(scene_path, options)
  local plugin = options.plugin or {}
  local viewport = options.viewport or {}
  if plugin.command == nil or tostring(plugin.command):match("^%s*$") then
    error("Command: give the command to run, e.g. --option command='myrenderer --out {output} {scene}'", 0)
  end
  local output = tostring(plugin.output or "image.png")
  self.output = output:sub(1, 1) == "/" and output or fs.join(self.workDir, output)
  self.progressPattern = plugin.progress and tostring(plugin.progress) or nil
  self.imagePattern = plugin.image and tostring(plugin.image) or nil
  for _, pattern in ipairs{ self.progressPattern or "", self.imagePattern or "" } do
    local ok, message = pcall(string.find, "", pattern)
    if not ok then error("Command: bad Lua pattern '" .. pattern .. "': " .. tostring(message), 0) end
  end
  self.poll = tonumber(plugin.poll) or 1.0
  self.stopSignal = tostring(plugin.stop_signal or "TERM")
  self.stopGrace = tonumber(plugin.stop_grace) or 3

  local values = {
    scene = fs.abspath(scene_path),
    output = self.output,
    workDir = self.workDir,
    itemId = self.itemId,
    res_x = viewport.res_x and math.tointeger(viewport.res_x),
    res_y = viewport.res_y and math.tointeger(viewport.res_y),
    camera = viewport.camera_path,
  }
  local command
  if isOn(plugin.shell) then
    command = { "sh", "-c", substitute(tostring(plugin.command), values, shellQuote) }
  else
    command = {}
    for i, word in ipairs(splitWords(tostring(plugin.command))) do
      command[i] = substitute(word, values)
    end
    if #command == 0 then error("Command: the command is empty", 0) end
  end
  command.cwd = self.workDir
  command.log = fs.join(self.workDir, "command.log")
  self.proc = process.spawn(command)
  local shown = {}
  for i, word in ipairs(command) do
    shown[i] = word:match("^[%w%%+,./:=@_-]+$") and word or shellQuote(word)
  end
  self:updateMetadata{ percentDone = 0, command = table.concat(shown, " ") }
end

--- Shows the output image when it appeared or changed (size or modification time). While the
--- command runs (`settled` false) a change is shown once the file stayed the same for a poll,
--- so a file being written is not shown half done. Returns whether the output exists.
function CommandRender:showOutputIfChanged(settled)
  if not fs.isfile(self.output) then return false end
  local info = fs.stat(self.output)
  local stamp = info.size .. ":" .. info.mtime
  local seen = self.seenStamp
  self.seenStamp = stamp
  if stamp ~= self.lastStamp and (settled or seen == stamp) then
    self.lastStamp = stamp
    self:updateImagePath(self.output)
  end
  return true
end

function CommandRender:readProgress()
  local percent
  for _, line in ipairs(self.proc:readLines()) do
    if self.progressPattern then
      local first, second = line:match(self.progressPattern)
      local done, total = tonumber(first), tonumber(second)
      if done then percent = total and total > 0 and 100 * done / total or done end
    end
    if self.imagePattern then
      local path = line:match(self.imagePattern)
      if path and path ~= "" then
        if path:sub(1, 1) ~= "/" then path = fs.join(self.workDir, path) end
        self:updateImagePath(path)
      end
    end
  end
  if percent then
    self:updateMetadata{ percentDone = math.max(0, math.min(100, percent)) }
  end
end

---@return boolean
function CommandRender:isRenderFinished()
  self:readProgress()
  local status = self.proc:poll()
  if status == nil then
    self:showOutputIfChanged()
    return false
  end
  self:readProgress()
  if status ~= 0 then
    local tail = self.proc:tail(20)
    local how = status < 0 and ("was killed by signal " .. -status) or ("exited with status " .. status)
    error(string.format("Command: the command %s\nlast %d lines of %s:\n%s", how, #tail,
      self.proc.logPath, table.concat(tail, "\n")), 0)
  end
  if not self:showOutputIfChanged(true) then
    local tail = self.proc:tail(20)
    error(string.format("Command: the command finished but did not write %s\nlast %d lines of %s:\n%s",
      self.output, #tail, self.proc.logPath, table.concat(tail, "\n")), 0)
  end
  self:updateMetadata{ percentDone = 100 }
  return true
end

function CommandRender:stopBackgroundRender()
  local proc = self.proc
  if proc == nil or proc:poll() ~= nil then return end
  if self.stopSignal:upper():gsub("^SIG", "") == "TERM" then
    proc:terminate(self.stopGrace)  -- SIGTERM, SIGKILL after the grace; waits
    return
  end
  proc:kill(self.stopSignal)
  if proc:wait(self.stopGrace) == nil then proc:terminate(1) end
end

---@param manager BackgroundRendererManager
function registerBackgroundRenderers(manager)
  manager:registerBackgroundRenderer("Command", CommandRender)
end
