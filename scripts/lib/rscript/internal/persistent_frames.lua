-- rscript/internal/persistent_frames.lua: INTERNAL to the runtime, not a module to require.
-- `rscript render SCENE.blend --renderer Blender --frames SPEC --workers N --persistent`
-- (PersistentFrameRender runs it with the request as JSON): N persistent Blender clients,
-- each started once, render the frames, each frame going to whichever client is free. Frames
-- whose image is already there are skipped unless --no-skip. Images land where the chunked
-- renderer puts them (the same pattern), so both modes resume each other's work.
-- What happens is told to Swift through `rscript.internal.frames` (PersistentFrameProgress),
-- which prints the `--json` events, records the render in the database and settles its end;
-- the lines for people are printed here (none with --json: stdout is then the events').
local json = require("rscript.json")
local fs = require("rscript.fs")
local time = require("rscript.time")
local rscript = require("rscript")
local blender = require("rscript.blender")
local report = require("rscript.internal.frames")

local config = json.decode(arg[1])
local options = config.options or {}
local say = config.json and function() end or function(...) print(string.format(...)) end

local function framePath(frame)
  local path, n = config.pattern:gsub("#+", function(hashes) return string.format("%0" .. #hashes .. "d", frame) end, 1)
  if n == 0 then path = path .. string.format("%04d", frame) end
  return path .. ".png"
end

local todo, skipped = {}, {}
for _, frame in ipairs(config.frames) do
  if config.skip and fs.exists(framePath(frame)) then skipped[#skipped + 1] = frame else todo[#todo + 1] = frame end
end
local total = #config.frames
local jobs = math.max(1, math.min(config.workers, #todo))
report.plan(skipped, #todo == 0 and config.workers or jobs)  -- workers: the clients started (as --workers when none are)
if #todo == 0 then
  say("all %d frames are already in %s (--no-skip renders them again)", total, config.folder)
  return
end

local t0 = time.monotonic()
local threads = options.threads and math.tointeger(tonumber(options.threads)) or nil
local clients <close> = blender.BlenderClients.spawn{ jobs = jobs, threads = threads, timeout = 60,
  executable = options.blender, log_dir = config.folder .. "/logs" }
clients:initialize(config.scene, config.folder)
clients:set_output(config.pattern)
if config.resolution then clients:set_resolution(config.resolution[1], config.resolution[2]) end
if config.camera then clients:set_camera(config.camera) end
local cycles = {}
if options.samples then cycles.samples = math.tointeger(tonumber(options.samples)) end
if options.denoise == "off" or options.denoise == false then cycles.use_denoising = false end
if next(cycles) then clients:cycles_settings(cycles) end
say("rendering %d frames on %d persistent Blender%s (%d already there, skipped)",
  #todo, jobs, jobs == 1 and "" or "s", #skipped)

-- A client's error as a record's reason: its first line, without the position it was raised
-- at and the log lines that follow (they are in the client's log).
local function reason(message)
  local line = tostring(message):match("^[^\n]*"):gsub("^[^:\n]*:%d+: ", "")
  return (line:gsub(";? its last lines:$", ""))
end

-- Each frame's start, samples, end or failure, from the clients' shared queue.
local observers = {
  start = function(e) report.start(e.frame, e.client, e.pid, e.log, e.attempt) end,
  progress = function(e) report.progress(e.frame, 100 * e.sample / e.samples) end,
  done = function(e) report.done(e.frame, e.path) end,
  failed = function(e) report.failed(e.frame, reason(e.reason), e.retry) end,
}
local shown = -1
local ok, result = pcall(clients.render_frames, clients, todo, {
  _observe = function(kind, event) observers[kind](event) end,
  update_fn = function(p)
    if p.path and p.done ~= shown then
      shown = p.done
      say("frame %d done (%d/%d) %s", p.frame, p.done, p.total, p.path)
    end
  end,
})
local elapsed = time.monotonic() - t0
if not ok then
  io.stderr:write("rscript: " .. tostring(result) .. "\n")
  rscript.setExitStatus(1)
  return
end
say("%d frames rendered in %.1f s (%.2f s a frame) into %s", #result, elapsed, elapsed / #result, config.folder)
