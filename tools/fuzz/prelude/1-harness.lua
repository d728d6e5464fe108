-- The fuzzer's Lua side: adversarial values, real handles of every class, the calling contexts,
-- and the case harness. tools/fuzz/fuzz.py puts the files of tools/fuzz/prelude/, in name
-- order, as one chunk in front of every generated script (batches and reproducers alike), so
-- a reproducer runs on its own: `rscript run crash.lua`. Locals of one file are seen by the
-- files after it.
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
-- A server in the foreground serves until it is shut down: by design a case that calls it
-- would stall (and cost the runner 30 s). The fuzzer's `webserver.run` serves in the background
-- on a free port, whatever else its argument holds, so the handlers and requests still run.
local function backgroundServer(webserver)
  local run = webserver.run
  local proxy = setmetatable({}, { __index = webserver })
  proxy.run = function(options, ...)
    if type(options) ~= "table" then options = { port = options } end
    local copy = {}
    for k, v in pairs(options) do copy[k] = v end
    copy.in_background, copy.port = true, 0
    return run(copy, ...)
  end
  return proxy
end

function F.mod(name)
  local m = loaded[name]
  if m == nil then
    local ok, value = pcall(require, name)
    m = ok and value or false
    if m and name == "rscript.webserver" then m = backgroundServer(m) end
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

