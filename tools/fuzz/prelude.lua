-- The fuzzer's Lua side: adversarial values, real handles of every class, the calling contexts,
-- and the case harness. tools/fuzz/fuzz.py puts this file in front of every generated script
-- (batches and reproducers alike), so a reproducer runs on its own: `rscript run crash.lua`.
--
-- It runs in a scratch folder that the fuzzer made for the batch (the working folder; HOME and
-- RSCRIPT_DB point into it). Nothing here touches a path outside it.

F = {}
local stderr = io.stderr

-- Markers on stderr (unbuffered), so the runner knows which case was running when the process
-- died and which cases finished.
local function mark(text) stderr:write("\n@@FUZZ ", text, "\n") end
F.mark = mark

------------------------------------------------------------------ modules and functions

local loaded = {}
--- The module `name`, or nil when it cannot be loaded (the error is kept in F.loadErrors).
function F.mod(name)
  local m = loaded[name]
  if m == nil then
    local ok, value = pcall(require, name)
    m = ok and value or false
    loaded[name] = m
  end
  return m or nil
end

--- The function at `path` in module `module` (`"Class.method"` walks tables), or, for a
--- userdata class (`module` is `@Class`), the method `path` read from a live handle.
function F.fn(module, path)
  local value
  if module:sub(1, 1) == "@" then
    local handle = F.sample(module:sub(2))
    if handle == nil then return nil end
    local ok, v = pcall(function() return handle[path] end)
    return ok and v or nil
  end
  value = F.mod(module)
  for part in path:gmatch("[^.]+") do
    if type(value) ~= "table" then return nil end
    value = rawget(value, part)
  end
  return value
end

------------------------------------------------------------------ values

F.nan = 0 / 0
F.inf = math.huge

local bigCache = {}
--- A string of `n` bytes (cached: the 10 MB one is made once per process).
function F.big(n)
  local s = bigCache[n]
  if not s then
    s = string.rep("x", n)
    bigCache[n] = s
  end
  return s
end

--- A table nested `n` levels deep: `{{{...}}}`, each level also holding a number and a string.
function F.deep(n, leaf)
  local t = leaf or {}
  for i = 1, n do t = { t, i, k = "v" } end
  return t
end

--- An object (string keys) nested `n` levels deep.
function F.deepObject(n)
  local t = { leaf = true }
  for _ = 1, n do t = { child = t } end
  return t
end

--- A table that contains itself, directly and through a child.
function F.cyclic()
  local t = { 1, 2, name = "cyclic" }
  t.self = t
  t[3] = { parent = t }
  return t
end

--- 1..n as an array.
function F.range(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

--- A table with `n` string keys.
function F.wide(n)
  local t = {}
  for i = 1, n do t["k" .. i] = i end
  return t
end

local function raiser(mode)
  if mode == "error" then
    return function() error("fuzz: metamethod raised") end
  elseif mode == "errobj" then
    return function() error(setmetatable({}, { __tostring = function() error("fuzz: __tostring of an error raised") end })) end
  elseif mode == "errnil" then
    return function() error(nil) end
  elseif mode == "yield" then
    return function(...) coroutine.yield(...) return nil end
  elseif mode == "gc" then
    return function() collectgarbage() end
  else  -- "weird": returns values of the wrong type
    return function() return F.cyclic(), 0 / 0, nil end
  end
end

--- A table whose metamethod `event` (`__index`, `__tostring`, `__len`, `__pairs`, `__gc`, ...)
--- raises, yields, collects garbage, or returns nonsense, depending on `mode`. `base` gives it
--- content (an array or an object), so it looks like valid input until the metamethod runs.
function F.evil(event, mode, base)
  local t = base or { 1, 2, 3 }
  local mt = { [event] = raiser(mode) }
  if event == "__pairs" then
    -- __pairs returns an iterator that raises, yields, or gives one odd key, then ends (an
    -- iterator that never ends would be the script's own endless loop)
    local f, calls = raiser(mode), 0
    mt.__pairs = function()
      return function()
        calls = calls + 1
        if calls > 1 then return nil end
        return f()
      end, t, nil
    end
  end
  return setmetatable(t, mt)
end

--- A table whose `__gc` raises (or yields) when it is collected: dropped at once so that the
--- collector runs it during the next calls (inside Swift functions, among them).
function F.dropEvil(mode)
  setmetatable({}, { __gc = raiser(mode or "error") })
  return nil
end

--- A string that is not UTF-8.
F.badUTF8 = { "\xff\xfe", "\xc0\x80", "\xed\xa0\x80", "a\x80b", "\xf4\x90\x80\x80", "\xe2\x82" }

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

------------------------------------------------------------------ calls and contexts

-- What a crash of another process (a pool or job worker, a child rscript) looks like in the
-- messages and logs the runtime hands back. The runner counts "@@FUZZ crash" as a crash.
local crashWords = {
  "killed by SIGSEGV", "killed by SIGILL", "killed by SIGABRT", "killed by SIGBUS",
  "killed by SIGTRAP", "killed by SIGFPE", "unprotected error", "Fatal error",
}
local function scan(s)
  if #s > 1000000 then return end
  for _, word in ipairs(crashWords) do
    if s:find(word, 1, true) then mark("crash another process: " .. word) end
  end
end
F.scan = scan

-- Methods a script calls on a handle it got back (all short for the handles fuzz cases make).
local pokes = { "wait", "get", "next", "poll", "state", "status", "metadata", "readLines", "tail",
                "stats", "ready", "info", "error", "images", "imagePath", "progress", "successful" }

--- Reads a result the way a script would: `tostring`, a shallow walk of tables, and for a
--- handle, a few of its methods.
local touch
touch = function(v, depth)
  depth = depth or 0
  local ok, text = pcall(tostring, v)
  if ok and type(text) == "string" then scan(text) end
  if type(v) == "string" then scan(v) end
  if type(v) == "table" and depth < 2 then
    local n = 0
    pcall(function()
      for _, x in pairs(v) do
        n = n + 1
        if n > 50 then break end
        touch(x, depth + 1)
      end
    end)
  end
  if depth == 0 and (type(v) == "userdata" or (type(v) == "table" and rawget(v, "_core") ~= nil)) then
    for i = 1, 2 do
      local name = (i == 1 and math.random() < 0.7) and "wait" or pokes[math.random(#pokes)]
      pcall(function()
        local m = v[name]
        if type(m) == "function" then
          local results = table.pack(m(v))
          for i = 1, math.min(results.n, 5) do touch(results[i], 1) end
        end
      end)
    end
  end
  return ok
end

F.calls, F.returned = 0, 0
--- Calls `f(...)` protected, touches what it returned or raised, and keeps going.
function F.try(f, ...)
  F.calls = F.calls + 1
  local results = table.pack(pcall(f, ...))
  if results[1] then F.returned = F.returned + 1 end
  for i = 1, math.min(results.n, 20) do touch(results[i]) end
  return results[1]
end

------------------------------------------------------------------ Ctrl-C

-- Ctrl-C must stop a script at the first press, whatever it is doing. `F.interrupt(kind)` has
-- a child send SIGINT to this process 0.1 s from now, then does `kind` of work, then loops
-- forever. A runtime that ignores the signal never exits, and the runner reports a hang.
local interruptWork = {
  loop = function() end,
  pcall = function() for _ = 1, 1e9 do pcall(error, "x") end end,
  sleep = function() F.mod("rscript.time").sleep(30) end,
  gsubsleep = function() string.gsub("a", "a", function() F.mod("rscript.time").sleep(30) end) end,
  tostring = function()
    -- a failed task nobody waits for is reported with tostring of its error object
    F.mod("rscript.task").spawn(function()
      error(setmetatable({}, { __tostring = function() while true do end end }))
    end)
    F.mod("rscript.time").sleep(30)
  end,
  wait = function()
    local p = F.mod("rscript.process").spawn({ "sleep", "30" })
    p:wait()
  end,
  gc = function()
    setmetatable({}, { __gc = function() while true do end end })
    collectgarbage()
  end,
}

function F.interrupt(kind)
  F.mod("rscript.process").spawn({ "sh", "-c", "sleep 0.1; kill -INT $PPID" })
  mark("interrupt " .. kind)
  pcall(interruptWork[kind] or interruptWork.loop)
  while true do end
end

------------------------------------------------------------------ round trips

-- Data must arrive whole or not at all: a value sent through a task, a pool worker, a job or
-- JSON comes back equal, or the call raises. Anything else (a userdata for a table, a level
-- lost) is reported as "@@FUZZ wrong", which counts as a failure like a crash.

local function same(a, b, depth, seen)
  if a == b then return true end
  if a ~= a and b ~= b then return true end  -- NaN
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  if depth > 100000 then return true end
  seen = seen or {}
  if seen[a] then return true end
  seen[a] = true
  for k, v in next, a do
    if not same(v, rawget(b, k), depth + 1, seen) then return false end
  end
  for k in next, b do
    if rawget(a, k) == nil then return false end
  end
  return true
end
F.same = same

-- Data any Lua value may hold (for tasks) and JSON-clean data (for pools, jobs and JSON).
local plain = {
  deep10 = function() return F.deep(10) end, deep60 = function() return F.deep(60) end,
  deep100 = function() return F.deep(100) end, deep300 = function() return F.deep(300) end,
  deep1000 = function() return F.deep(1000) end, obj300 = function() return F.deepObject(300) end,
  obj1000 = function() return F.deepObject(1000) end, range300 = function() return F.range(300) end,
  wide = function() return F.wide(1000) end, zeros = function() return { "a\0b", "\0", k = "x\0" } end,
  big = function() return { F.big(100000) } end, numbers = function()
    return { math.maxinteger, math.mininteger, 2^53, -0.0, 1e300, 5e-324, 0.1 }
  end,
}
local anyData = {
  badutf8 = function() return { F.badUTF8[1], F.badUTF8[3], [F.badUTF8[2]] = 1 } end,
  odd = function() return { [1.5] = 1, [true] = false, [-1] = 0, [0] = "z" } end,
  nonfinite = function() return { F.nan, F.inf, -F.inf } end,
  sparse = function() return { [1] = 1, [1000000] = 2 } end,
}
for k, v in pairs(plain) do anyData[k] = v end

local function report(via, name, got)
  mark("wrong " .. via .. " " .. name .. ": came back as " .. type(got))
end

--- Sends the value `name` through `via` and checks that it comes back whole or raises.
function F.roundtrip(via, name)
  local make = (via == "task" or via == "taskarg") and anyData[name] or plain[name]
  if not make then return end
  local value = make()
  local ok, got
  if via == "task" then
    local task = F.mod("rscript.task")
    local okSpawn, done, result = pcall(function() return task.spawn(function() return value end):wait() end)
    ok, got = okSpawn and done, result
  elseif via == "taskarg" then
    local task = F.mod("rscript.task")
    local okSpawn, done, result = pcall(function() return task.spawn(function(v) return v end, value):wait() end)
    ok, got = okSpawn and done, result
  elseif via == "pool" then
    local pool = F.sample("Pool")
    if not pool then return end
    ok, got = pcall(pool.apply, pool, "task_echo.lua", { value })
  elseif via == "json" then
    local json = F.mod("rscript.json")
    ok, got = pcall(function() return json.decode(json.encode(value)) end)
  elseif via == "job" then
    local jm = F.sample("JobManager")
    if not jm then return end
    F.jobCount = (F.jobCount or 0) + 1
    local job = "roundtrip" .. F.jobCount
    local added = jm:add_job(job, "job_ok.lua", { passed_data = { v = value } })
    if not added then return end
    local waited = pcall(jm.wait, jm, job)
    if not waited then return end
    ok, got = pcall(jm.get_retrieved_python_data, jm, job)
    if ok then
      if type(got) ~= "table" or type(got.passed) ~= "table" then
        if jm:get_job_state(job) == "COMPLETED" then report(via, name, got) end
        return
      end
      got = got.passed.v
    end
  end
  if ok and not same(value, got, 0) then report(via, name, got) end
end

--- Runs the rscript binary itself (FUZZ_BIN) with `argv`, as a user would from a shell, and
--- waits for it (up to 15 s): a crash or a hang of the child counts as one of this case.
function F.child(argv)
  local bin = os.getenv("FUZZ_BIN")
  local process = F.mod("rscript.process")
  if not bin or not process then return end
  local command = { bin }
  for i = 1, #argv do command[i + 1] = argv[i] end
  local ok, p = pcall(process.spawn, command)
  if not ok then return end
  local waited, code = pcall(p.wait, p, 15)
  if waited and code == nil then
    mark("hang child: " .. table.concat(argv, " ", 1, math.min(#argv, 4)))
    pcall(p.kill, p)
  elseif waited and type(code) == "number" and (code < 0 or (code >= 132 and code <= 139 and code ~= 137)) then
    mark("crash child exited " .. code .. ": " .. table.concat(argv, " ", 1, math.min(#argv, 4)))
  end
  local tailOk, lines = pcall(p.tail, p, 40)
  if tailOk and type(lines) == "table" then
    for _, line in ipairs(lines) do if type(line) == "string" then scan(line) end end
  end
end

--- A call with `n` extra arguments (1..n), for "too many arguments".
function F.tryMany(f, n, ...)
  local args = table.pack(...)
  for i = 1, n do args[args.n + i] = i end
  return F.try(f, table.unpack(args, 1, args.n + n))
end

local task = F.mod("rscript.task")

local contexts = {}
contexts.direct = function(body) return pcall(body) end
contexts.coroutine = function(body)
  local co = coroutine.create(body)
  for _ = 1, 50 do
    local ok = coroutine.resume(co)
    if not ok or coroutine.status(co) == "dead" then break end
  end
end
contexts.wrap = function(body)
  local f = coroutine.wrap(body)
  pcall(f)
end
contexts.task = function(body)
  local t = task.spawn(body)
  pcall(t.wait, t)
end
contexts.tasknowait = function(body)
  -- nobody waits: a failure is reported at the end (exit status 1), which is not a crash
  task.spawn(function() pcall(body) end)
end
contexts.gc = function(body)
  setmetatable({}, { __gc = function() pcall(body) end })
  collectgarbage()
  collectgarbage()
end
contexts.handler = function(body)
  xpcall(error, function(m) pcall(body) return m end, "fuzz: handled")
end
contexts.handlerraw = function(body)
  xpcall(error, function(m) body() return m end, "fuzz: handled")
end
contexts.gsub = function(body)
  pcall(string.gsub, "ab", "%w", function() pcall(body) end)
end
contexts.sort = function(body)
  local once = false
  pcall(table.sort, { 3, 1, 2 }, function(a, b)
    if not once then once = true pcall(body) end
    return a < b
  end)
end
contexts.close = function(body)
  pcall(function()
    local guard <close> = setmetatable({}, { __close = function() pcall(body) end })
  end)
end
contexts.tostring = function(body)
  pcall(tostring, setmetatable({}, { __tostring = function() pcall(body) return "x" end }))
end
contexts.onstop = function(body)
  local core = F.mod("rscript")
  if core then core.onStop(function() pcall(body) end) end
end
contexts.render = function(body)
  -- from inside a renderer plugin's method, run by the render driver
  F.renderHook = function() F.renderHook = nil pcall(body) end
  local g = F.mod("rscript.gallery")
  local ok, r = pcall(g.startRender, { renderer = "Fuzz", scene = "scene.pov" })
  if ok then pcall(r.wait, r) end
  F.renderHook = nil
end

--- Runs case `id`: `body` in calling context `context`.
function F.case(id, context, body)
  mark("case " .. id)
  math.randomseed(id)
  local run = contexts[context] or contexts.direct
  pcall(run, body)
  mark("done " .. id)
end

function F.begin()
  F.writeScripts()
  mark("begin")
end

function F.finish()
  collectgarbage()
  -- a job worker that crashed shows only in its job's issue string
  local jm = samples.JobManager
  if jm then
    pcall(function()
      for _, name in ipairs(jm:get_job_names()) do
        local ok, issue = pcall(jm.get_issue_string, jm, name)
        if ok and type(issue) == "string" then scan(issue) end
      end
    end)
  end
  mark("calls " .. F.calls .. " " .. F.returned)
  mark("finish")
end
