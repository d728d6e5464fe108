------------------------------------------------------------------ contexts and the case harness

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
