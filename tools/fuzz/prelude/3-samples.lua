------------------------------------------------------------------ handles of every class

-- A renderer plugin that finishes at once without starting any real renderer, so
-- `gallery.startRender{renderer = "Fuzz"}` has one. fuzz.py points RSCRIPT_PLUGIN_PATH at
-- `plugins/` in the scratch folder; F.begin writes the plugin there. Its hooks call
-- `F.renderHook` (the "render" calling context) and keep the render's context handle.
local fuzzPlugin = [[
local BackgroundRenderer = require("rscript.backgroundrenderer")
local FuzzRender = BackgroundRenderer:extend("FuzzRender")
function FuzzRender:pollFrequency() return 0.01 end
function FuzzRender:startBackgroundRender(scene, options)
  local F = rawget(_G, "F")
  if F then
    F.renderContext = rawget(self, "_render")
    if F.renderHook then pcall(F.renderHook, self, scene, options) end
  end
end
function FuzzRender:isRenderFinished()
  local F = rawget(_G, "F")
  if F and F.renderHook then pcall(F.renderHook, self) end
  return true
end
function registerBackgroundRenderers(manager)
  manager:registerBackgroundRenderer("Fuzz", FuzzRender)
end
]]

-- Scripts for the pool and the job manager, written into the scratch folder once.
local taskScripts = {
  ["task_echo.lua"] = "return function(client, ...) return ... end\n",
  ["task_error.lua"] = "return function() error('fuzz task failed') end\n",
  ["task_deep.lua"] = "return function(client, n) local t = {} for _ = 1, (tonumber(n) or 300) do t = { t } end return t end\n",
  ["task_big.lua"] = "return function(client, n) return string.rep('y', tonumber(n) or 100000) end\n",
  ["task_sleep.lua"] = "return function(client, s) require('rscript.time').sleep(0.02) return s end\n",
  ["task_exit.lua"] = "return function() os.exit(3) end\n",
  -- the worker side of the pool and the job manager: client:progress and update_job_progress
  ["task_progress.lua"] = [[
return function(client, ...)
  local values = { 0 / 0, math.huge, -math.huge, -1e300, 1e19, math.maxinteger, math.mininteger, -1, 2, 0.5, "0.5", {}, true }
  local messages = { "", "a\0b", "\xff\xfe", string.rep("m", 70000), {}, 1, "ok" }
  for i, v in ipairs(values) do pcall(client.progress, client, v, messages[i % #messages + 1]) end
  pcall(client.progress, nil, 0.5)
  pcall(client.progress, client, 0.5, nil, table.unpack({}, 1, 300))
  pcall(client.progress, client, setmetatable({}, { __tostring = function() error("x") end }))
  client.state = client.state or {}
  client.state[#client.state + 1] = select("#", ...)
  return select("#", ...), client.id, client.pid
end
]],
  ["job_progress.lua"] = [[
local values = { 0 / 0, math.huge, -math.huge, -1e300, 1e19, math.maxinteger, math.mininteger, -1, 2, 0.5, "0.5", {}, true }
local messages = { "", "a\0b", "\xff\xfe", string.rep("m", 70000), {}, 1, "ok" }
for i, v in ipairs(values) do pcall(update_job_progress, v, messages[i % #messages + 1]) end
pcall(update_job_progress, 0.5, nil, table.unpack({}, 1, 300))
python_data = { values = #values, passed = passed_data }
]],
  ["task_bad.lua"] = "return 42\n",
  ["job_ok.lua"] = "update_job_progress(0.5, 'half') python_data = { ok = true, passed = passed_data }\n",
  ["job_deep.lua"] = "local t = {} for _ = 1, 300 do t = { t } end python_data = t\n",
  ["job_error.lua"] = "error('fuzz job failed')\n",
  ["job_exit.lua"] = "os.exit(5)\n",
  ["scene.pov"] = "// fuzz scene\n",
  ["child.lua"] = "local n = select('#', ...) local t = { ... } print(n, #arg, t[n]) return ...\n",
}

function F.writeScripts()
  pcall(F.mod("rscript.fs").mkdir, "plugins/backgroundrenderers")
  taskScripts["plugins/backgroundrenderers/fuzz.lua"] = fuzzPlugin
  for name, text in pairs(taskScripts) do
    local f = io.open(name, "wb")
    if f then f:write(text) f:close() end
  end
end

local samples = {}
local makers = {}

--- A live handle of class `name` (made on first use, then shared by the cases of the process).
--- Names ending in `Closed`, `Done`, `Killed` are handles after close/end.
function F.sample(name)
  local s = samples[name]
  if s == nil then
    local make = makers[name]
    local ok, value = false, nil
    if make then ok, value = pcall(make) end
    s = (ok and value ~= nil) and value or false
    samples[name] = s
  end
  return s or nil
end

local function poolOf(workers)
  local Pool = F.mod("rscript.pool")
  return Pool and Pool.new({ workers = workers or 1 })
end

makers.Task = function()
  return F.mod("rscript.task").spawn(function() F.mod("rscript.time").sleep(0.01) return 1, 2 end)
end
makers.TaskDone = function()
  local t = F.mod("rscript.task").spawn(function() return "done" end)
  pcall(t.wait, t)
  return t
end
makers.TaskFailed = function()
  local t = F.mod("rscript.task").spawn(function() error("fuzz: task failed") end)
  pcall(t.wait, t)
  return t
end
makers.Process = function() return F.mod("rscript.process").spawn({ "sleep", "0.05" }) end
makers.ProcessDone = function()
  local p = F.mod("rscript.process").spawn({ "sh", "-c", "echo out; echo err >&2" })
  pcall(p.wait, p)
  return p
end
makers.ProcessKilled = function()
  local p = F.mod("rscript.process").spawn({ "sleep", "5" })
  pcall(p.kill, p)
  pcall(p.wait, p)
  return p
end
makers.JobManager = function() return F.mod("rscript.jobmanager").get_instance() end
makers.Pool = function() return poolOf(1) end
makers.PoolClosed = function()
  local p = poolOf(1)
  p:close()
  pcall(p.join, p)
  return p
end
makers.PoolTerminated = function()
  local p = poolOf(1)
  p:terminate()
  return p
end
makers.PoolCore = function() local p = F.sample("Pool") return p and p._core end
makers.PoolCoreClosed = function() local p = F.sample("PoolClosed") return p and p._core end
makers.Future = function()
  local p = F.sample("Pool")
  return p and p:apply_async("task_echo.lua", { 1, "two" })
end
makers.FutureDone = function()
  local f = F.sample("Future")
  if f then pcall(f.wait, f) end
  return f
end
makers.PoolFutureCore = function() local f = F.sample("Future") return f and f._core end
makers.PoolBatch = function()
  local p = F.sample("Pool")
  if not p then return nil end
  local ok, batch = p._core:batch("task_echo.lua", { 1, 2, 3 }, "imap", nil)
  return ok and batch or nil
end
makers.Render = function()
  return F.mod("rscript.gallery").startRender({ renderer = "Fuzz", scene = "scene.pov", res_x = 4, res_y = 4 })
end
makers.RenderDone = function()
  local r = F.sample("Render")
  if r then pcall(r.wait, r) end
  return r
end
makers.RenderContext = function()
  F.sample("RenderDone")
  return F.renderContext
end
makers.Progress = function()
  local stream = io.open("progress.txt", "w")
  return F.mod("rscript.poolprogress").new(F.sample("Pool"), { tty = false, stream = stream, interval = 0 })
end
makers.Coroutine = function() return coroutine.create(function(...) coroutine.yield(...) return 1 end) end
makers.DeadCoroutine = function()
  local co = coroutine.create(function() end)
  coroutine.resume(co)
  return co
end

local instances = {}
--- An instance of the Lua class at `path` in `module` (made by calling the class without
--- arguments; when that fails, an empty table with the class as metatable), or the value at
--- `path` itself when it is not a table. For "self" of a Lua method.
function F.instance(module, path)
  local key = module .. "#" .. path
  local obj = instances[key]
  if obj ~= nil then return obj or nil end
  local class = F.fn(module, path)
  if type(class) == "table" then
    local ok, made = pcall(class)
    if ok and type(made) == "table" then
      obj = made
    else
      ok, made = pcall(setmetatable, {}, class)
      obj = ok and made or class
    end
  else
    obj = class
  end
  instances[key] = obj == nil and false or obj
  return obj
end

--- The names of every sample, for the surface walk and for "wrong self".
function F.sampleNames()
  local names = {}
  for name in pairs(makers) do names[#names + 1] = name end
  table.sort(names)
  return names
end

