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

