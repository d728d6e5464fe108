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

