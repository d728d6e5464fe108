-- Persistent Blender clients (rscript.blender) against new Blenders, side by side in one run,
-- interleaved round by round. Prints each side's median wall time and its ratio.
--
--   rscript run scripts/bench/blender_persistent.lua [ROUNDS] [WxH] [SAMPLES] [RSCRIPT]
--
-- 1. 24 Cycles frames, one thread per Blender, 2 at once:
--    (a) BlenderClients.spawn{jobs = 2}:render_animation (spawn included)
--    (b) two plain `blender -b scene.blend -t 1 -s A -e B -a` halves in parallel: the limit
--    (c) `rscript render scene.blend --renderer Blender --frames 1-24 --workers 2` (no --persistent)
--    (e) the same with --persistent
--    (v) visionsim's own pool, the peer: `BlenderClients.pool(jobs = 2)`, one half of the frames per
--        server (spawn and discovery included), run by visionsim_pool.py in the venv that
--        visionsim_venv.sh makes; skipped, with a note, when that venv is not there
--    (w) visionsim `BlenderClients.spawn(jobs = 2)` then `render_animation()`, in the same venv
--    Target: (a) <= 1.00 x (b), ahead of (v).
-- 2. 20 one-frame renders of one scene with the resolution changed between them:
--    (a) one persistent client, against (d) one new `blender -b` per frame. Target: (a) <= 0.5 x (d).
local blender = require("rscript.blender")
local process = require("rscript.process")
local task = require("rscript.task")
local time = require("rscript.time")
local fs = require("rscript.fs")

local ROUNDS = tonumber(arg[1]) or 3
local W, H = (arg[2] or "320x240"):match("^(%d+)x(%d+)$")
local SAMPLES = arg[3] or "8"
local RSCRIPT = arg[4] or os.getenv("RSCRIPT_BIN") or "rscript"
local here = (arg[0]:match("^(.*)/[^/]*$") or ".")
local makeBlend = here .. "/../examples/scenes/make_blend.py"

local work = os.tmpname()
os.remove(work)
fs.mkdir(work)
local scene = work .. "/scene.blend"
-- visionsim sets no thread count, so its servers get a copy of the scene that carries one
local sceneT1 = work .. "/scene-t1.blend"
local VENV = os.getenv("VISIONSIM_VENV") or ((os.getenv("HOME") or "") .. "/.cache/rscript/visionsim-venv")
local VISIONSIM = fs.exists(VENV .. "/bin/python") and fs.exists(VENV .. "/blender-site")
if not VISIONSIM then
  io.stderr:write("no visionsim venv at " .. VENV .. " (sh " .. here .. "/visionsim_venv.sh makes it): sides v and w skipped\n")
end

local function run(command, label)
  local p = process.spawn(command)
  local code = p:wait()
  if code ~= 0 then error(label .. " failed (" .. code .. "):\n" .. table.concat(p:tail(15), "\n")) end
end

run({ "blender", "-b", "--factory-startup", "--python", makeBlend, "--", scene, "--res", W .. "x" .. H,
  "--samples", SAMPLES, "--frames", "24" }, "make_blend.py")
if VISIONSIM then
  run({ "blender", "-b", scene, "--python-expr", "import bpy; r = bpy.context.scene.render; "
    .. "r.threads_mode, r.threads = 'FIXED', 1; bpy.ops.wm.save_as_mainfile(filepath=" .. string.format("%q", sceneT1)
    .. ", compress=False)" }, "the one-thread copy of the scene")
end

-- One visionsim run (mode "pool" or "spawn"): its own figures, seconds from just before the spawn.
local function visionsim(mode, out)
  local p = process.spawn({ VENV .. "/bin/python", here .. "/visionsim_pool.py", sceneT1, out, "--mode", mode,
    "--jobs", "2", "--frames", "24", "--timeout", "60", "--blender-site", VENV .. "/blender-site", "--logs", out .. "-logs" })
  local code = p:wait()
  local lines = p:tail(30)
  if code ~= 0 then error("visionsim " .. mode .. " failed (" .. code .. "):\n" .. table.concat(lines, "\n"), 0) end
  for _, line in ipairs(lines) do
    local spawn, total = line:match("^visionsim: spawn ([%d.]+) render [%d.]+ total ([%d.]+) frames 24 ")
    if spawn then return tonumber(total), tonumber(spawn) end
  end
  error("visionsim " .. mode .. ": no figures in its output:\n" .. table.concat(lines, "\n"), 0)
end

local function timed(fn)
  local t0 = time.monotonic()
  fn()
  return time.monotonic() - t0
end

local function median(list)
  local sorted = { table.unpack(list) }
  table.sort(sorted)
  local n = #sorted
  return n % 2 == 1 and sorted[(n + 1) // 2] or (sorted[n // 2] + sorted[n // 2 + 1]) / 2
end

local function parallel(fns)
  local tasks = {}
  for i, fn in ipairs(fns) do tasks[i] = task.spawn(fn) end
  for _, t in ipairs(tasks) do
    local ok, message = t:wait()
    if not ok then error(message, 0) end
  end
end

local sides = { a = {}, b = {}, c = {}, e = {}, v = {}, vspawn = {}, vwall = {}, w = {}, wspawn = {}, wwall = {},
  a2 = {}, d = {} }
for round = 1, ROUNDS do
  local out = work .. "/r" .. round
  sides.a[round] = timed(function()
    local clients <close> = blender.BlenderClients.spawn{ jobs = 2, threads = 1, timeout = 60 }
    clients:initialize(scene, out .. "/a")
    local frames = clients:render_animation()
    assert(#frames == 24)
  end)
  sides.b[round] = timed(function()
    parallel({
      function() run({ "blender", "-b", scene, "-t", "1", "-o", out .. "/b/f_####", "-s", "1", "-e", "12", "-a" }, "blender -a 1-12") end,
      function() run({ "blender", "-b", scene, "-t", "1", "-o", out .. "/b/f_####", "-s", "13", "-e", "24", "-a" }, "blender -a 13-24") end,
    })
  end)
  sides.c[round] = timed(function()
    run({ RSCRIPT, "render", scene, "--renderer", "Blender", "--frames", "1-24", "--workers", "2",
      "--option", "threads=1", "--output", out .. "/c", "--no-skip" }, "rscript render --frames")
  end)
  sides.e[round] = timed(function()
    run({ RSCRIPT, "render", scene, "--renderer", "Blender", "--frames", "1-24", "--workers", "2", "--persistent",
      "--option", "threads=1", "--output", out .. "/e", "--no-skip" }, "rscript render --frames --persistent")
  end)
  if VISIONSIM then
    sides.vwall[round] = timed(function() sides.v[round], sides.vspawn[round] = visionsim("pool", out .. "/v") end)
    sides.wwall[round] = timed(function() sides.w[round], sides.wspawn[round] = visionsim("spawn", out .. "/w") end)
  end
  -- 2: twenty one-frame renders, the resolution changed between them
  sides.a2[round] = timed(function()
    local client <close> = blender.BlenderClient.spawn{ threads = 1, timeout = 60 }
    client:initialize(scene, out .. "/a2")
    for i = 1, 20 do
      client:set_resolution(W - i, H - i)
      client:render_frame(i)
    end
  end)
  sides.d[round] = timed(function()
    for i = 1, 20 do
      run({ "blender", "-b", scene, "-t", "1", "--python-expr",
        string.format("import bpy; r = bpy.context.scene.render; r.resolution_x, r.resolution_y = %d, %d", W - i, H - i),
        "-o", out .. "/d/f_####", "-f", tostring(i) }, "blender -f")
    end
  end)
  local peer = VISIONSIM and string.format("  v %.2f (spawn %.2f, wall %.2f)  w %.2f (spawn %.2f, wall %.2f)",
    sides.v[round], sides.vspawn[round], sides.vwall[round], sides.w[round], sides.wspawn[round], sides.wwall[round]) or ""
  io.stderr:write(string.format("round %d: a %.2f  b %.2f  c %.2f  e %.2f%s  |  a %.2f  d %.2f\n", round,
    sides.a[round], sides.b[round], sides.c[round], sides.e[round], peer, sides.a2[round], sides.d[round]))
end

local b, d = median(sides.b), median(sides.d)
print(string.format("24 frames %sx%s, %s samples, 2 x 1 thread, %d rounds (median s, ratio to b):", W, H, SAMPLES, ROUNDS))
print(string.format("  (a) BlenderClients 2 clients          %6.2f  %.2f", median(sides.a), median(sides.a) / b))
print(string.format("  (b) 2 x blender -a halves             %6.2f  1.00", b))
print(string.format("  (c) rscript render --frames --workers 2 %4.2f  %.2f", median(sides.c), median(sides.c) / b))
print(string.format("  (e) rscript render ... --persistent     %6.2f  %.2f", median(sides.e), median(sides.e) / b))
if VISIONSIM then
  print(string.format("  (v) visionsim pool, 2 clients         %6.2f  %.2f  (spawn and discovery %.2f s; wall with Python %.2f s)",
    median(sides.v), median(sides.v) / b, median(sides.vspawn), median(sides.vwall)))
  print(string.format("  (w) visionsim spawn + render_animation %5.2f  %.2f  (spawn and discovery %.2f s; wall with Python %.2f s)",
    median(sides.w), median(sides.w) / b, median(sides.wspawn), median(sides.wwall)))
end
print("20 one-frame renders, resolution changed between them (median s, ratio to d):")
print(string.format("  (a) one persistent client             %6.2f  %.2f", median(sides.a2), median(sides.a2) / d))
print(string.format("  (d) a new blender -b per frame        %6.2f  1.00", d))
os.execute("rm -rf '" .. work .. "'")
