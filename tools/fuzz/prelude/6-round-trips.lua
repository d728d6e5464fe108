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

