-- POV-Ray background renderer: Houdini's FastRender example (Render Gallery background render
-- plugin, husd.backgroundrenderer) ported to rscript and to a real renderer, POV-Ray 3.7.
--
--   rscript render scripts/examples/scenes/spheres.pov --renderer POV-Ray --res 320x240
--   rscript render scene.pov --renderer POV-Ray --res 640x480 --option quality=9 --option antialias=0.3
--
-- What it runs (in this render's workDir, so POV-Ray's .pov-state file stays there):
--   povray +I<scene> +O<workDir>/image.png +W<res_x> +H<res_y> +FN -D +V +L<scene folder> [options]
--
-- Options (`--option KEY=VALUE`):
--   quality=0..11       +Q (POV-Ray's default is 9)
--   antialias=T|off     +A<T> (threshold, e.g. 0.3) or -A; antialias_depth=1..9 is +R
--   threads=N           +WT<N> (render threads)
--   preview=1           a quick +Q3 -A pass first (shown at once), then the real frame
--   region_size=0.25    the side of the box re-rendered first around a click (fraction of the frame)
--   args='+UA +KI0'     more POV-Ray switches, split like a shell would (no shell is involved)
--   povray=/path/to/povray   the executable (default: `povray` from PATH)
--   stop_grace=2        seconds between SIGINT and SIGKILL when stopping
--
-- Progress: with +V POV-Ray prints `Rendered 38912 of 76800 pixels (50%)` lines ended by CR on
-- stderr; the latest one becomes percentDone. POV-Ray 3.7 keeps the image in memory and writes
-- the PNG when a pass ends (nothing on a cancel), so the gallery gets an image per pass: the
-- preview, each clicked region, the full frame.
--
-- mouseClick(x, y) (x, y in 0..1, y = 0 at the top): the running pass is cancelled with SIGINT
-- (POV-Ray then saves its render state), POV-Ray re-renders a box around the click with its
-- partial-render switches +SC +EC +SR +ER into region-N.png, then carries on with the full
-- frame, continuing (+C) from the saved state rather than starting over.

local BackgroundRenderer = require("rscript.backgroundrenderer")
local process = require("rscript.process")
local fs = require("rscript.fs")

---@class POVRayPass
---@field kind "preview"|"region"|"full"
---@field image string the PNG this pass writes
---@field args string[] the pass's own switches (+SC..., +C)
---@field base number|nil percent of the frame done before a continued (+C) full pass

---@class POVRay: BackgroundRenderer
---@field scene string absolute path of the .pov scene
---@field image string the full frame, <workDir>/image.png
---@field baseArgs string[] switches every pass shares
---@field proc Process|nil the povray process of the current pass
---@field pass POVRayPass|nil the pass running now
---@field queue POVRayPass[] passes still to run
---@field clicks integer regions rendered so far
---@field stopGrace number
---@field regionSize number
---@field lastImage table<string, string> image path -> "size:mtime" last shown
---@field seenImage table<string, string> image path -> "size:mtime" at the last poll
local POVRay = BackgroundRenderer:extend("POVRay")

-- POV-Ray's own progress lines come often (every 1024 pixels); half a second is plenty for the
-- gallery, and a povray exit wakes the render at once anyway.
---@return number
function POVRay:pollFrequency()
  return 0.5
end

---@param old_options table
---@return table
function POVRay:getConfigOptions(old_options)
  return old_options
end

--- Option values arrive as strings from `--option KEY=VALUE`, or as Lua values from
--- gallery.startRender{ options = {...} }.
local function isOn(value)
  if value == nil then return false end
  if value == true then return true end
  local s = tostring(value):lower()
  return s == "1" or s == "true" or s == "yes" or s == "on"
end

local function isOff(value)
  if value == false then return true end
  if value == nil then return false end
  local s = tostring(value):lower()
  return s == "0" or s == "false" or s == "no" or s == "off" or s == "none"
end

local function number(options, key, low, high)
  local value = options[key]
  if value == nil then return nil end
  local n = tonumber(value)
  if n == nil or (low and n < low) or (high and n > high) then
    error(string.format("POV-Ray: option %s=%s must be a number%s", key, tostring(value),
      low and string.format(" from %s to %s", low, high) or ""), 0)
  end
  return n
end

--- Splits a command line into words as a POSIX shell would, without running a shell.
local function splitWords(text)
  return require("rscript.shellwords").split(text, "POV-Ray", "args")
end

local function append(list, items)
  for _, item in ipairs(items) do list[#list + 1] = item end
  return list
end

local function clamp(v, low, high)
  return math.max(low, math.min(high, v))
end

--- A fraction of the frame as POV-Ray's +SC/+EC/+SR/+ER read it (with a decimal point; 1.0000
--- is the last column or row).
local function fraction(v)
  return string.format("%.4f", v)
end

---@param scene_path string
---@param options BackgroundRenderOptions
function POVRay:startBackgroundRender(scene_path, options)
  local plugin = options.plugin or {}
  local viewport = options.viewport or {}
  self.scene = fs.abspath(scene_path)
  self.image = fs.join(self.workDir, "image.png")
  self.executable = plugin.povray or "povray"
  self.stopGrace = number(plugin, "stop_grace", 0, 600) or 2
  self.regionSize = number(plugin, "region_size", 0.01, 1) or 0.25
  self.clicks = 0
  self.lastImage = {}
  self.seenImage = {}

  -- Switches every pass shares: the scene, its folder for #include and image maps, PNG, no
  -- display window, verbose (the progress lines).
  local args = { "+I" .. self.scene, "+L" .. fs.dirname(self.scene), "+FN", "-D", "+V" }
  if viewport.res_x and viewport.res_y then
    append(args, { "+W" .. math.tointeger(viewport.res_x), "+H" .. math.tointeger(viewport.res_y) })
  end
  local quality = number(plugin, "quality", 0, 11)
  if quality then args[#args + 1] = "+Q" .. math.tointeger(quality) end
  if plugin.antialias ~= nil then
    if isOff(plugin.antialias) then
      args[#args + 1] = "-A"
    else
      args[#args + 1] = "+A" .. (isOn(plugin.antialias) and "0.3" or tostring(number(plugin, "antialias", 0, 3)))
    end
  end
  local depth = number(plugin, "antialias_depth", 1, 9)
  if depth then args[#args + 1] = "+R" .. math.tointeger(depth) end
  local threads = number(plugin, "threads", 1, 512)
  if threads then args[#args + 1] = "+WT" .. math.tointeger(threads) end
  if plugin.args then append(args, splitWords(tostring(plugin.args))) end
  self.baseArgs = args

  -- The passes to run, in order; a click puts a region pass in front of the full frame.
  self.queue = {}
  if isOn(plugin.preview) then
    self.queue[#self.queue + 1] = {
      kind = "preview", image = fs.join(self.workDir, "preview.png"),
      -- after the shared switches, so they win: diffuse and ambient light only, no antialiasing
      args = { "+Q3", "-A" },
    }
  end
  self.queue[#self.queue + 1] = { kind = "full", image = self.image, args = {} }
  self:updateMetadata{ percentDone = 0, pass = self.queue[1].kind }
  self:startNextPass()
end

--- Starts the first pass of the queue.
function POVRay:startNextPass()
  local pass = table.remove(self.queue, 1)
  local command = { self.executable }
  append(command, self.baseArgs)
  append(command, pass.args)
  command[#command + 1] = "+O" .. pass.image
  command.cwd = self.workDir
  command.log = fs.join(self.workDir, "povray-" .. pass.kind .. ".log")
  self.pass = pass
  self.proc = process.spawn(command)
  self:updateMetadata{ pass = pass.kind }
end

--- Reads the lines POV-Ray printed since the last call: the latest `Rendered N of M pixels`
--- becomes percentDone (of the full frame; of a preview or region pass it is kept apart).
function POVRay:readProgress()
  local percent, parseTime, traceTime
  for _, line in ipairs(self.proc:readLines()) do
    local done, total = line:match("^Rendered (%d+) of (%d+) pixels")
    if done then
      percent = 100 * tonumber(done) / math.max(1, tonumber(total))
    else
      parseTime = line:match("^%s*Parse Time:.-%(([%d.]+) seconds%)") or parseTime
      traceTime = line:match("^%s*Trace Time:.-%(([%d.]+) seconds%)") or traceTime
    end
  end
  local metadata = {}
  if percent then
    percent = math.floor(percent * 10 + 0.5) / 10
    if self.pass.kind == "full" then
      -- A continued (+C) pass counts only the pixels it renders itself, from 0: add what the
      -- interrupted pass had done (until it exits, it is not quite 100).
      if self.pass.base then percent = math.min(99.9, self.pass.base + percent) end
      metadata.percentDone = percent
      self.percent = percent
    else
      metadata.passPercentDone = percent
    end
  end
  if parseTime and self.pass.kind == "full" then metadata.parseTime = tonumber(parseTime) end
  if traceTime and self.pass.kind == "full" then metadata.traceTime = tonumber(traceTime) end
  if next(metadata) then self:updateMetadata(metadata) end
end

--- Shows `path` in the gallery when it appeared or changed since it was last shown (size or
--- modification time), as Houdini asks: call updateImagePath again when the file changed.
--- While the process runs (`settled` false) a change is shown only once the file stayed the same
--- for one poll, so a file being written is not shown half done.
function POVRay:showImageIfChanged(path, settled)
  if not fs.isfile(path) then return end
  local info = fs.stat(path)
  if info.size == 0 then return end
  local stamp = info.size .. ":" .. info.mtime
  local seen = self.seenImage[path]
  self.seenImage[path] = stamp
  if self.lastImage[path] ~= stamp and (settled or seen == stamp) then
    self.lastImage[path] = stamp
    self:updateImagePath(path)
  end
end

--- POV-Ray wraps its messages at 80 columns: at a space (the next line then starts with one
--- space) or, for a long word such as a path, anywhere. Joins them back.
local function unwrap(lines)
  local joined, previous = {}, nil
  for _, line in ipairs(lines) do
    if previous and ((#previous >= 50 and line:match("^ %S")) or (#previous >= 79 and line:match("^%S"))) then
      joined[#joined] = joined[#joined] .. line
    else
      joined[#joined + 1] = line
    end
    previous = line
  end
  return joined
end

--- Why POV-Ray failed, from its log: the first error line (a parse error names the file and
--- line) and the last 20 lines.
function POVRay:failure(status)
  local tail = self.proc:tail(20)
  local lines = unwrap(self.proc:tail(40))
  local reason
  for _, pattern in ipairs{ "Parse Error", "Error:", "^Failed to ", "^Fatal error", "^Problem with " } do
    for _, line in ipairs(lines) do
      if line:find(pattern) then reason = line break end
    end
    if reason then break end
  end
  local how = status < 0 and ("was killed by signal " .. -status) or ("exited with status " .. status)
  return string.format("POV-Ray failed (povray %s)%s\nlast %d lines of %s:\n%s",
    how, reason and (": " .. reason) or "", #tail, self.proc.logPath, table.concat(tail, "\n"))
end

---@return boolean
function POVRay:isRenderFinished()
  self:readProgress()
  local status = self.proc:poll()
  if status == nil then
    -- Still rendering. POV-Ray writes its PNG at the end of a pass, but an image that appears
    -- or changes (a studio build writing progressively, say) is shown as soon as it does.
    self:showImageIfChanged(self.pass.image)
    return false
  end
  self:readProgress()
  if status ~= 0 then
    error(self:failure(status), 0)
  end
  -- The pass ended well: show its image, unless it was already shown as it is now.
  self:showImageIfChanged(self.pass.image, true)
  if self.pass.kind == "full" then
    self:updateMetadata{ percentDone = 100, pass = "done" }
    return true
  end
  self:startNextPass()
  return false
end

--- Cancels the running povray: SIGINT (POV-Ray stops within a second and keeps its .pov-state
--- for +C), then SIGTERM and SIGKILL to the process group if it is still there after stop_grace
--- seconds. Returns true when POV-Ray stopped by itself (its state file is whole).
function POVRay:interruptPass()
  local proc = self.proc
  if proc == nil or proc:poll() ~= nil then return true end
  proc:kill("INT")
  local status = proc:wait(self.stopGrace)
  if status == nil then
    status = proc:terminate(1)
  end
  self:readProgress()
  return status ~= nil and status >= 0
end

---@param x number 0 (left) .. 1 (right)
---@param y number 0 (top) .. 1 (bottom)
function POVRay:mouseClick(x, y)
  if self.pass == nil or self.stopped then return end
  -- A pass that just ended (done or failed) is isRenderFinished's to deal with first.
  if self.proc:poll() ~= nil then return end
  -- A box of region_size around the click, moved inside the frame rather than cut.
  local half = self.regionSize / 2
  local cx = clamp(x, half, 1 - half)
  local cy = clamp(y, half, 1 - half)
  local interrupted = self.pass
  local clean = self:interruptPass()
  -- POV-Ray keeps the pixels it finished in <output name>.pov-state, in its cwd: the frame's is
  -- kept for +C (unless povray had to be killed: it may be half written), a region's or the
  -- preview's is of no more use.
  local state = (interrupted.image:gsub("%.png$", ".pov-state"))
  if (interrupted.kind ~= "full" or not clean) and fs.exists(state) then fs.remove(state) end
  local resumable = interrupted.kind == "full" and fs.exists(state)
  self.clicks = self.clicks + 1
  local region = {
    kind = "region",
    image = fs.join(self.workDir, string.format("region-%d.png", self.clicks)),
    args = {
      "+SC" .. fraction(clamp(cx - half, 0, 1)), "+EC" .. fraction(clamp(cx + half, 0, 1)),
      "+SR" .. fraction(clamp(cy - half, 0, 1)), "+ER" .. fraction(clamp(cy + half, 0, 1)),
    },
  }
  -- Drop a pending preview or an older region: the click says where to look now. The full frame
  -- comes next, continuing (+C) from POV-Ray's saved state when it had started.
  local queue = { region }
  for _, pass in ipairs(self.queue) do
    if pass.kind == "full" then queue[#queue + 1] = pass end
  end
  if interrupted.kind == "full" then
    queue[#queue + 1] = resumable
        and { kind = "full", image = self.image, args = { "+C" }, base = self.percent or 0 }
        or { kind = "full", image = self.image, args = {} }
  end
  self.queue = queue
  self:updateMetadata{ lastClick = { x = x, y = y } }
  self:startNextPass()
end

function POVRay:stopBackgroundRender()
  self.stopped = true
  self.queue = {}
  self:interruptPass()
end

---@param manager BackgroundRendererManager
function registerBackgroundRenderers(manager)
  manager:registerBackgroundRenderer("POV-Ray", POVRay)
end

-- =============================================================================================
-- Frame ranges: `rscript render SCENE --renderer POV-Ray --frames 1-24 --workers 2` (see
-- docs/frames.md). This section belongs to the frame-range renderer; the single-frame render
-- above does not use it.
--
-- One povray process renders a chunk of an animation, as POV-Ray renders any animation:
--   povray +I<scene> ... +KFI<first> +KFF<last> +SF<chunk first> +EF<chunk last> Frame_Step=<step>
-- +KFI/+KFF span the whole render, so `clock` runs from 0 (first frame) to 1 (last frame)
-- whichever chunk renders a frame, and `frame_number` is the frame's own number. The option
-- animation=FIRST-LAST pins that span (say 1-240 while re-rendering 100-120 only).
-- POV-Ray names animation frames after the digits of +KFF (f_05.png for 24 frames), so each
-- chunk writes into its own workDir and reports every frame's path there: the runtime moves the
-- image to framePath(output, frame) once it is whole.
--
-- Progress: `Rendering frame K of M` (K counts from +SF) starts a frame, `Rendered N of M
-- pixels (P%)` is its progress, the frame's `Trace Time:` line ends it.
-- =============================================================================================

--- The switches of the render options, as startBackgroundRender reads them.
local function chunkSwitches(plugin, viewport)
  local args = {}
  if viewport.res_x and viewport.res_y then
    append(args, { "+W" .. math.tointeger(viewport.res_x), "+H" .. math.tointeger(viewport.res_y) })
  end
  local quality = number(plugin, "quality", 0, 11)
  if quality then args[#args + 1] = "+Q" .. math.tointeger(quality) end
  if plugin.antialias ~= nil then
    if isOff(plugin.antialias) then
      args[#args + 1] = "-A"
    else
      args[#args + 1] = "+A" .. (isOn(plugin.antialias) and "0.3" or tostring(number(plugin, "antialias", 0, 3)))
    end
  end
  local depth = number(plugin, "antialias_depth", 1, 9)
  if depth then args[#args + 1] = "+R" .. math.tointeger(depth) end
  local threads = number(plugin, "threads", 1, 512)
  if threads then args[#args + 1] = "+WT" .. math.tointeger(threads) end
  return args
end

---@return number seconds POV-Ray takes to start (small: `--chunk auto` makes more, smaller chunks)
function POVRay:chunkStartupSeconds()
  return 0.1
end

---@param scene_path string
---@param chunk FrameChunk
---@param output string the frame pattern, e.g. /abs/frames/orbit_####
---@param options BackgroundRenderOptions
---@return table command argv with cwd
function POVRay:chunkCommand(scene_path, chunk, output, options)
  local plugin = options.plugin or {}
  local viewport = options.viewport or {}
  local scene = fs.abspath(scene_path)
  local first, last = chunk.span.first, chunk.span.last
  if plugin.animation ~= nil then
    local a, b = tostring(plugin.animation):match("^%s*(%d+)%s*%-%s*(%d+)%s*$")
    a, b = tonumber(a), tonumber(b)
    if not a or b < a or chunk.first < a or chunk.last > b then
      error(string.format("POV-Ray: option animation=%s must be FIRST-LAST around the frames rendered (%d-%d)",
        tostring(plugin.animation), chunk.span.first, chunk.span.last), 0)
    end
    first, last = a, b
  end
  self.chunkFirst = chunk.first
  self.chunkFrames = {}
  for _, frame in ipairs(chunk.frames) do self.chunkFrames[frame] = true end
  self.chunkDigits = #tostring(last)
  local command = { plugin.povray or "povray", "+I" .. scene, "+L" .. fs.dirname(scene), "+FN", "-D", "+V" }
  append(command, chunkSwitches(plugin, viewport))
  append(command, {
    "+KFI" .. first, "+KFF" .. last, "+SF" .. chunk.first, "+EF" .. chunk.last, "Frame_Step=" .. chunk.step,
  })
  if plugin.args then append(command, splitWords(tostring(plugin.args))) end
  command[#command + 1] = "+O" .. fs.join(self.workDir, "f_")
  -- POV-Ray keeps its .pov-state file in its working folder.
  command.cwd = self.workDir
  return command
end

--- Where POV-Ray writes `frame` of this chunk.
function POVRay:chunkImage(frame)
  return fs.join(self.workDir, string.format("f_%0" .. self.chunkDigits .. "d.png", frame))
end

---@param line string
---@return table|nil
function POVRay:parseChunkProgress(line)
  local k = line:match("^Rendering frame (%d+) of %d+")
  if k then
    local frame = self.chunkFirst + tonumber(k) - 1
    if frame == self.chunkFrame then return nil end
    self.chunkFrame = frame
    return { frame = frame, percent = 0 }
  end
  local frame = self.chunkFrame
  if frame == nil then
    local parseError = line:match("^Parse Error: (.*)") or line:match("^Fatal error.*")
    if parseError then return { error = "POV-Ray: " .. line } end
    return nil
  end
  local done, total = line:match("^Rendered (%d+) of (%d+) pixels")
  if done then
    return { frame = frame, percent = math.floor(1000 * tonumber(done) / math.max(1, tonumber(total))) / 10 }
  end
  if line:match("^%s*Trace Time:") then
    return { frame = frame, done = true, path = self:chunkImage(frame) }
  end
  if line:match("^Parse Error: ") or line:match("^Fatal error") or line:match("^Render failed") then
    return { frame = frame, error = "POV-Ray: " .. line }
  end
  return nil
end

--- The image of `frame`: `output` with its #### replaced by the frame number, plus .png.
---@param output string
---@param frame integer
---@return string
function POVRay:framePath(output, frame)
  return (output:gsub("#+", function(hashes) return string.format("%0" .. #hashes .. "d", frame) end, 1)) .. ".png"
end
