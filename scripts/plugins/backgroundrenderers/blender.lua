-- Blender background renderer: Houdini's FastRender example (Render Gallery background render
-- plugin, husd.backgroundrenderer) ported to rscript and to Blender 3.x in background mode.
--
--   blender -b --factory-startup --python scripts/examples/scenes/make_blend.py -- tiny.blend
--   rscript render tiny.blend --renderer Blender --res 64x64 --option samples=8
--
-- What it runs (one frame, Cycles on the CPU unless the options say otherwise):
--   blender -b <scene.blend> --python-exit-code 3 --python-expr <setup> \
--           -o <workDir>/frame_#### -F PNG -x 1 -f <frame>
-- The setup expression applies --res, --camera and the options to the scene before it renders;
-- their values reach it through RSCRIPT_BLENDER_* environment variables, never pasted into code.
--
-- Options (`--option KEY=VALUE`):
--   frame=N             the frame to render (default: the scene's start frame)
--   engine=CYCLES       render engine (CYCLES, BLENDER_EEVEE, BLENDER_WORKBENCH)
--   samples=N           Cycles samples
--   device=CPU          Cycles device (Debian's Blender has the CPU only)
--   threads=N           render threads (-t)
--   denoise=off         turn the scene's denoising off for this render (see below)
--   blender=/path/to/blender   the executable (default: `blender` from PATH)
--   args='...'          more Blender arguments before -f, split like a shell would (no shell)
--   stop_grace=5        seconds between SIGINT and SIGKILL when stopping
--
-- What Blender prints, and what becomes of it:
--   Fra:1 Mem:9.85M (Peak 10.36M) | Time:00:00.12 | Remaining:00:00.05 | Mem:0.86M, Peak:0.86M
--       | Scene, ViewLayer | Rendered 1/6 Tiles, Sample 4/8
--     -> percentDone from the tiles and samples (`Sample 4/8` alone without tiles), peakMemory
--        from the two Peak figures (Blender's own allocations + Cycles' device memory, MiB),
--        remainingTime from Remaining:
--   Saved: '/…/frame_0001.png'   -> updateImagePath
--   Build without OpenImageDenoiser / No device available to denoise on
--     -> the render fails, telling the user to turn denoising off: Debian's Blender is built
--        without OpenImageDenoise. The setup expression checks this before rendering too.
--
-- Stop: one SIGINT (Blender's "internal break": Cycles stops after its current batch of samples,
-- which can take a while), then SIGKILL after stop_grace seconds. Blender only writes the image
-- when the frame is done, so a stopped render has none.

local BackgroundRenderer = require("rscript.backgroundrenderer")
local process = require("rscript.process")
local fs = require("rscript.fs")

---@class Blender: BackgroundRenderer
---@field scene string absolute path of the .blend
---@field proc Process the blender process
---@field image string|nil the last image Blender saved
---@field percent number
---@field peak number|nil Blender's own peak memory, MiB
---@field cyclesPeak number|nil Cycles' peak device memory, MiB
---@field denoiseProblem boolean the log said denoising cannot run here
---@field stopGrace number
local Blender = BackgroundRenderer:extend("Blender")

---@return number
function Blender:pollFrequency()
  return 1.0
end

---@param old_options table
---@return table
function Blender:getConfigOptions(old_options)
  return old_options
end

local DENOISE_MESSAGE = "Blender: this scene asks for denoising, but this Blender is built without "
  .. "OpenImageDenoise (Debian's is), so it cannot render it. Turn denoising off in the .blend "
  .. "(Render Properties > Sampling > Render > Denoise), or render with --option denoise=off."

-- Runs inside Blender after the .blend is loaded, before -f renders: applies the render's
-- resolution, camera and options, and refuses a scene it cannot render, with one line starting
-- "rscript:" that the plugin shows as the reason.
local SETUP = [[
import os, sys, bpy
def _rscript_setup():
    env = os.environ.get
    def fail(message):
        print("rscript: " + message, file=sys.stderr, flush=True)
        sys.exit(3)
    scene = bpy.context.scene
    render = scene.render
    if env("RSCRIPT_BLENDER_RES_X"):
        render.resolution_x = int(env("RSCRIPT_BLENDER_RES_X"))
        render.resolution_y = int(env("RSCRIPT_BLENDER_RES_Y"))
        render.resolution_percentage = 100
    camera = env("RSCRIPT_BLENDER_CAMERA")
    if camera:
        name = camera.rstrip("/").split("/")[-1]
        obj = bpy.data.objects.get(name)
        if obj is None or obj.type != "CAMERA":
            names = sorted(o.name for o in scene.objects if o.type == "CAMERA")
            fail("no camera named %r in the scene (cameras: %s)" % (name, ", ".join(names) or "none"))
        scene.camera = obj
    if env("RSCRIPT_BLENDER_ENGINE"):
        try:
            render.engine = env("RSCRIPT_BLENDER_ENGINE")
        except TypeError as error:
            fail("unknown engine %r: %s" % (env("RSCRIPT_BLENDER_ENGINE"), error))
    if render.engine == "CYCLES":
        cycles = scene.cycles
        if env("RSCRIPT_BLENDER_SAMPLES"):
            cycles.samples = int(env("RSCRIPT_BLENDER_SAMPLES"))
        if env("RSCRIPT_BLENDER_DEVICE"):
            cycles.device = env("RSCRIPT_BLENDER_DEVICE")
        if env("RSCRIPT_BLENDER_DENOISE") == "off":
            cycles.use_denoising = False
        else:
            import _cycles
            if cycles.use_denoising and not getattr(_cycles, "with_openimagedenoise", True):
                fail("DENOISE")
    render.use_overwrite = True
    print("rscript: rendering %s at %dx%d with %s" % (
        bpy.data.filepath, render.resolution_x * render.resolution_percentage // 100,
        render.resolution_y * render.resolution_percentage // 100, render.engine), flush=True)
_rscript_setup()
]]

local function isOff(value)
  if value == false then return true end
  if value == nil then return false end
  local s = tostring(value):lower()
  return s == "0" or s == "false" or s == "no" or s == "off" or s == "none"
end

local function integer(options, key, low, high)
  local value = options[key]
  if value == nil then return nil end
  local n = math.tointeger(tonumber(value))
  if n == nil or n < low or n > high then
    error(string.format("Blender: option %s=%s must be a whole number from %d to %d", key, tostring(value), low, high), 0)
  end
  return n
end

--- Splits a command line into words as a POSIX shell would, without running a shell.
local function splitWords(text)
  return require("rscript.shellwords").split(text, "Blender", "args")
end

---@param scene_path string
---@param options BackgroundRenderOptions
function Blender:startBackgroundRender(scene_path, options)
  local plugin = options.plugin or {}
  local viewport = options.viewport or {}
  self.scene = fs.abspath(scene_path)
  self.percent = 0
  self.denoiseProblem = false
  self.stopGrace = tonumber(plugin.stop_grace) or 5

  local env = {}
  if viewport.res_x and viewport.res_y then
    env.RSCRIPT_BLENDER_RES_X = math.tointeger(viewport.res_x)
    env.RSCRIPT_BLENDER_RES_Y = math.tointeger(viewport.res_y)
  end
  if viewport.camera_path and viewport.camera_path ~= "" then env.RSCRIPT_BLENDER_CAMERA = viewport.camera_path end
  if plugin.engine then env.RSCRIPT_BLENDER_ENGINE = tostring(plugin.engine):upper() end
  local samples = integer(plugin, "samples", 1, 1 << 24)
  if samples then env.RSCRIPT_BLENDER_SAMPLES = samples end
  if plugin.device then env.RSCRIPT_BLENDER_DEVICE = tostring(plugin.device):upper() end
  if isOff(plugin.denoise) then env.RSCRIPT_BLENDER_DENOISE = "off" end

  local command = {
    plugin.blender or "blender", "-b", self.scene,
    "--python-exit-code", "3", "--python-expr", SETUP,
    "-o", fs.join(self.workDir, "frame_####"), "-F", "PNG", "-x", "1",
  }
  local threads = integer(plugin, "threads", 0, 1024)
  if threads then command[#command + 1] = "-t"; command[#command + 1] = tostring(threads) end
  if plugin.args then
    for _, word in ipairs(splitWords(tostring(plugin.args))) do command[#command + 1] = word end
  end
  -- Blender reads "-f +0" as the scene's start frame.
  local frame = integer(plugin, "frame", -1048574, 1048574)
  command[#command + 1] = "-f"
  command[#command + 1] = frame and tostring(frame) or "+0"
  command.env = env
  command.cwd = self.workDir
  command.log = fs.join(self.workDir, "blender.log")
  self.proc = process.spawn(command)
  self:updateMetadata{ percentDone = 0 }
end

--- Seconds from Blender's clock text: "00:03.25", "12:00.00", "1:02:03.45".
local function clockSeconds(text)
  if text == nil then return nil end
  local seconds = 0
  for part in text:gmatch("[^:]+") do
    local n = tonumber(part)
    if n == nil then return nil end
    seconds = seconds * 60 + n
  end
  return seconds
end

--- Reads what Blender printed since the last call.
function Blender:readProgress()
  local metadata = {}
  for _, line in ipairs(self.proc:readLines()) do
    if line:sub(1, 4) == "Fra:" then
      -- Fra:1 Mem:9.85M (Peak 10.36M) | Time:00:00.12 | Remaining:00:00.05 | Mem:0.86M, Peak:0.86M | ...
      local peak = tonumber(line:match("%(Peak ([%d.]+)M%)"))
      if peak and peak > (self.peak or 0) then self.peak = peak end
      local cyclesPeak = tonumber(line:match("Peak:([%d.]+)M"))
      if cyclesPeak and cyclesPeak > (self.cyclesPeak or 0) then self.cyclesPeak = cyclesPeak end
      local remaining = clockSeconds(line:match("Remaining:([%d:.]+)"))
      if remaining then metadata.remainingTime = remaining end
      -- Cycles: "Rendered 1/6 Tiles, Sample 4/8" with tiles, "Sample 4/8" without;
      -- Eevee: "Rendering 12 / 64 samples".
      local tile, tiles = line:match("Rendered (%d+)/(%d+) Tiles")
      local sample, samples = line:match("Sample (%d+)/(%d+)")
      if not sample then sample, samples = line:match("Rendering (%d+) / (%d+) samples") end
      if sample and tonumber(samples) > 0 then
        local fraction = tonumber(sample) / tonumber(samples)
        if tile and tonumber(tiles) > 0 then fraction = (tonumber(tile) + fraction) / tonumber(tiles) end
        -- within one frame progress only goes forward (Cycles reports "Sample 0/N" between tiles)
        self.percent = math.max(self.percent, math.min(99, math.floor(fraction * 1000 + 0.5) / 10))
        metadata.percentDone = self.percent
      end
      local frame = line:match("^Fra:(%-?%d+)")
      if frame then metadata.frame = tonumber(frame) end
    elseif line:find("^Saved: '") then
      local path = line:match("^Saved: '(.*)'")
      if path then
        self.image = path
        self.percent = 100
        metadata.percentDone = 100
        metadata.remainingTime = 0
        self:updateImagePath(path)
      end
    elseif line:find("Build without OpenImageDenoise") or line:find("No device available to denoise on")
        or line:find("^rscript: DENOISE") then
      self.denoiseProblem = true
    end
  end
  if self.peak or self.cyclesPeak then
    metadata.peakMemory = math.floor(((self.peak or 0) + (self.cyclesPeak or 0)) * 1024 * 1024 + 0.5)
  end
  if next(metadata) then self:updateMetadata(metadata) end
end

--- Why Blender failed: our setup's "rscript:" line, else Blender's "Error:" line, and the last
--- 20 lines of its log.
function Blender:failure(status)
  local tail = self.proc:tail(20)
  local reason
  if self.denoiseProblem then
    reason = DENOISE_MESSAGE
  else
    for _, line in ipairs(tail) do
      local own = line:match("^rscript: (.*)")
      if own and not own:find("^rendering ") then reason = "Blender: " .. own break end
      if not reason and line:find("^Error: ") then reason = "Blender: " .. line:sub(8) end
    end
  end
  local how
  if status == nil then how = "finished without saving an image"
  elseif status < 0 then how = "was killed by signal " .. -status
  else how = "exited with status " .. status end
  return string.format("%s\n(blender %s; last %d lines of %s:)\n%s",
    reason or ("Blender failed: blender " .. how), how, #tail, self.proc.logPath, table.concat(tail, "\n"))
end

---@return boolean
function Blender:isRenderFinished()
  self:readProgress()
  local status = self.proc:poll()
  if status == nil then return false end
  self:readProgress()
  if status ~= 0 or self.denoiseProblem then
    error(self:failure(status), 0)
  end
  if self.image == nil then
    -- Exit 0 without "Saved:": nothing was rendered (e.g. the frame is outside the scene's range).
    error(self:failure(nil), 0)
  end
  self:updateMetadata{ percentDone = 100 }
  return true
end

function Blender:stopBackgroundRender()
  local proc = self.proc
  if proc == nil or proc:poll() ~= nil then return end
  proc:kill("INT")  -- Blender: "Sent an internal break event"
  if proc:wait(self.stopGrace) == nil then
    proc:terminate(1)  -- SIGTERM, then SIGKILL; waits until it is gone
  end
end

---@param manager BackgroundRendererManager
function registerBackgroundRenderers(manager)
  manager:registerBackgroundRenderer("Blender", Blender)
end

-- =============================================================================================
-- Frame ranges: `rscript render SCENE.blend --renderer Blender --frames 1-240 --workers 2` (see
-- docs/frames.md). This section belongs to the frame-range renderer; the single-frame render
-- above does not use it.
--
-- One blender process renders a chunk as Blender renders any animation, so its start-up (about
-- 1.4 s: `--chunk auto` makes one chunk per worker) is paid once per chunk:
--   blender -b <scene.blend> --python-exit-code 3 --python-expr <setup> -o <output> -F PNG -x 1 \
--           -s <first> -e <last> -j <step> -a
-- <output> is the runtime's pattern (/abs/frames/shot_####): Blender itself writes
-- shot_0001.png there. The same options as a single render apply (samples, engine, threads,
-- denoise=off, args, blender), through the same setup expression.
--
-- Progress: `Fra:N ... Sample a/b` lines (the frame and how far it is), `Saved: '<path>'` when
-- a frame is written; our setup's `rscript:` lines and Blender's `Error:` lines become the
-- chunk's error.
-- =============================================================================================

---@return number seconds Blender takes to start
function Blender:chunkStartupSeconds()
  return 1.4
end

---@param scene_path string
---@param chunk FrameChunk
---@param output string the frame pattern, e.g. /abs/frames/shot_####
---@param options BackgroundRenderOptions
---@return table command argv with env and cwd
function Blender:chunkCommand(scene_path, chunk, output, options)
  local plugin = options.plugin or {}
  local viewport = options.viewport or {}
  local env = {}
  if viewport.res_x and viewport.res_y then
    env.RSCRIPT_BLENDER_RES_X = math.tointeger(viewport.res_x)
    env.RSCRIPT_BLENDER_RES_Y = math.tointeger(viewport.res_y)
  end
  if viewport.camera_path and viewport.camera_path ~= "" then env.RSCRIPT_BLENDER_CAMERA = viewport.camera_path end
  if plugin.engine then env.RSCRIPT_BLENDER_ENGINE = tostring(plugin.engine):upper() end
  local samples = integer(plugin, "samples", 1, 1 << 24)
  if samples then env.RSCRIPT_BLENDER_SAMPLES = samples end
  if plugin.device then env.RSCRIPT_BLENDER_DEVICE = tostring(plugin.device):upper() end
  if isOff(plugin.denoise) then env.RSCRIPT_BLENDER_DENOISE = "off" end

  local command = {
    plugin.blender or "blender", "-b", fs.abspath(scene_path),
    "--python-exit-code", "3", "--python-expr", SETUP,
    "-o", output, "-F", "PNG", "-x", "1",
  }
  local threads = integer(plugin, "threads", 0, 1024)
  if threads then command[#command + 1] = "-t"; command[#command + 1] = tostring(threads) end
  if plugin.args then
    for _, word in ipairs(splitWords(tostring(plugin.args))) do command[#command + 1] = word end
  end
  for _, word in ipairs{ "-s", chunk.first, "-e", chunk.last, "-j", chunk.step, "-a" } do
    command[#command + 1] = tostring(word)
  end
  command.env = env
  command.cwd = self.workDir
  self.chunkPercent = 0
  return command
end

---@param line string
---@return table|nil
function Blender:parseChunkProgress(line)
  if line:sub(1, 4) == "Fra:" then
    local frame = tonumber(line:match("^Fra:(%-?%d+)"))
    if frame ~= self.chunkFrame then
      self.chunkFrame = frame
      self.chunkPercent = 0
    end
    local tile, tiles = line:match("Rendered (%d+)/(%d+) Tiles")
    local sample, samples = line:match("Sample (%d+)/(%d+)")
    if not sample then sample, samples = line:match("Rendering (%d+) / (%d+) samples") end
    if sample and tonumber(samples) > 0 then
      local fraction = tonumber(sample) / tonumber(samples)
      if tile and tonumber(tiles) > 0 then fraction = (tonumber(tile) + fraction) / tonumber(tiles) end
      self.chunkPercent = math.max(self.chunkPercent, math.min(99, math.floor(fraction * 1000 + 0.5) / 10))
    end
    return { frame = frame, percent = self.chunkPercent }
  end
  local saved = line:match("^Saved: '(.*)'")
  if saved then
    return { frame = self.chunkFrame, done = true, path = saved }
  end
  if line:find("Build without OpenImageDenoise") or line:find("No device available to denoise on")
      or line:find("^rscript: DENOISE") then
    return { error = DENOISE_MESSAGE }
  end
  local own = line:match("^rscript: (.*)")
  if own and not own:find("^rendering ") then return { error = "Blender: " .. own } end
  if line:find("^Error: ") then return { error = "Blender: " .. line:sub(8) } end
  return nil
end

--- The image of `frame`: Blender's own naming for `-o output -x 1 -F PNG`.
---@param output string
---@param frame integer
---@return string
function Blender:framePath(output, frame)
  return (output:gsub("#+", function(hashes) return string.format("%0" .. #hashes .. "d", frame) end, 1)) .. ".png"
end
