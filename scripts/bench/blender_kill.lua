-- One Blender of two killed in the middle of a 24-frame render: rscript's BlenderClients against
-- visionsim's own pool (issue 16 §5). Prints, for each, whether the render finished and how many
-- of the 24 frames were written.
--
--   rscript run scripts/bench/blender_kill.lua [KILL_AFTER_S] [WxH] [SAMPLES]
--
-- The scene is blender_persistent.lua's (make_blend.py, 24 frames, one thread per Blender).
-- visionsim runs from the venv of visionsim_venv.sh (VISIONSIM_VENV), through visionsim_pool.py.
local blender = require("rscript.blender")
local process = require("rscript.process")
local task = require("rscript.task")
local time = require("rscript.time")
local fs = require("rscript.fs")

local KILL_AFTER = tonumber(arg[1]) or 12
local W, H = (arg[2] or "320x240"):match("^(%d+)x(%d+)$")
local SAMPLES = arg[3] or "8"
local here = (arg[0]:match("^(.*)/[^/]*$") or ".")
local VENV = os.getenv("VISIONSIM_VENV") or ((os.getenv("HOME") or "") .. "/.cache/rscript/visionsim-venv")

local work = os.tmpname()
os.remove(work)
fs.mkdir(work)
local scene, sceneT1 = work .. "/scene.blend", work .. "/scene-t1.blend"

local function run(command, label)
  local p = process.spawn(command)
  local code = p:wait()
  if code ~= 0 then error(label .. " failed (" .. code .. "):\n" .. table.concat(p:tail(15), "\n")) end
end

local function count(dir)
  local p = process.spawn({ "sh", "-c", "ls '" .. dir .. "' 2>/dev/null | wc -l" })
  p:wait()
  return tonumber(p:tail(1)[1])
end

run({ "blender", "-b", "--factory-startup", "--python", here .. "/../examples/scenes/make_blend.py", "--", scene,
  "--res", W .. "x" .. H, "--samples", SAMPLES, "--frames", "24" }, "make_blend.py")
run({ "blender", "-b", scene, "--python-expr", "import bpy; r = bpy.context.scene.render; "
  .. "r.threads_mode, r.threads = 'FIXED', 1; bpy.ops.wm.save_as_mainfile(filepath=" .. string.format("%q", sceneT1)
  .. ", compress=False)" }, "the one-thread copy of the scene")

-- (a) rscript: BlenderClients, 2 clients; the first one's Blender killed KILL_AFTER s after the spawn
local t0 = time.monotonic()
local ok, message = pcall(function()
  local clients <close> = blender.BlenderClients.spawn{ jobs = 2, threads = 1, timeout = 60 }
  local victim = clients.pids[1]
  task.spawn(function()
    time.sleep(KILL_AFTER - (time.monotonic() - t0))
    process.spawn({ "kill", "-9", tostring(victim) }):wait()
    io.stderr:write(string.format("rscript: killed Blender %d at %.1f s\n", victim, time.monotonic() - t0))
  end)
  clients:initialize(scene, work .. "/a")
  return #clients:render_animation()
end)
print(string.format("(a) rscript BlenderClients: %s after %.1f s, %d of 24 frames written", ok and "finished" or
  ("failed (" .. tostring(message):match("^[^\n]*") .. ")"), time.monotonic() - t0, count(work .. "/a/frames")))

-- (v) visionsim's pool, the first Blender killed KILL_AFTER s after the spawn began
local p = process.spawn({ VENV .. "/bin/python", here .. "/visionsim_pool.py", sceneT1, work .. "/v", "--mode", "pool",
  "--timeout", "60", "--blender-site", VENV .. "/blender-site", "--logs", work .. "/v-logs",
  "--kill-after", tostring(KILL_AFTER) })
local code = p:wait()
for _, line in ipairs(p:tail(40)) do
  if line:find("^visionsim: ") then print("(v) " .. line) end
end
print(string.format("(v) visionsim pool: exit code %d, %d of 24 frames written", code, count(work .. "/v/frames")))
os.execute("rm -rf '" .. work .. "'")
