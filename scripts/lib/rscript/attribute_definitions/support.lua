-- rscript.attribute_definitions.support: INTERNAL to rscript.attribute_definitions (not an
-- API of its own): the helpers its definition kinds share: raising errors at the user's line, showing values in messages, plain-data tables, option kinds.

local rs = require("rscript")

local type, pairs, ipairs, tostring, getmetatable, setmetatable, rawget, rawequal, pcall, error = type, pairs, ipairs, tostring, getmetatable, setmetatable, rawget, rawequal, pcall, error
local format = string.format
local mtype, floor, huge = math.type, math.floor, math.huge
local isNull = rs.isNull

-- Errors

-- Raises `message` at the first caller outside rscript.attribute_definitions and rscript.class,
-- so that an error points at the line that made or used the definition rather than at the
-- class machinery, however many `super.init` / `super.setup` calls lie between. C functions
-- and the runtime's own pcall wrapper (chunk "coroutine-forwarding") are skipped as well.
--
-- With the debug library (the full profile), one `debug.getinfo` per frame finds that caller
-- and `error` gets its level directly. Without it (`--safe`), `error("", level)` under pcall is
-- the only way to tell where a level is ("" for C functions and past the top of the stack):
-- that walk first finds `fail` itself and counts from there. Both pick the same frame.
local getinfo = debug and debug.getinfo

local function isInternalSource(source)
  return source:find("rscript/attribute_definitions/[%w_]+%.lua$") ~= nil
    or source:find("rscript/class%.lua$") ~= nil
end

local function isInternalWhere(where)
  return where:find("rscript/attribute_definitions/[%w_]+%.lua:%d+: $") ~= nil
    or where:find("rscript/class%.lua:%d+: $") ~= nil
end

local function fail(message)
  if getinfo then
    local level = 2  -- 1 is fail itself
    while true do
      local info = getinfo(level, "Sl")
      if info == nil then break end  -- past the top: the message gets no position
      if info.currentline > 0 and info.source ~= "=coroutine-forwarding" and not isInternalSource(info.source) then
        break
      end
      level = level + 1
    end
    error(message, level)
  end
  local level, own = 1, nil
  while level < 100 do
    local _, where = pcall(error, "", level)
    if where ~= "" then
      if isInternalWhere(where) then
        own = own or level
      elseif own and not where:find("^coroutine%-forwarding:") then
        break
      end
    end
    level = level + 1
  end
  error(message, own and (level - own + 1) or 1)
end

---------------------------------------------------------------------------------------------
-- Showing values in messages

local function numberText(v)
  if mtype(v) == "integer" then return format("%d", v) end
  if v ~= v then return "nan" end
  if v == huge then return "inf" end
  if v == -huge then return "-inf" end
  if v == floor(v) and v > -1e15 and v < 1e15 then return format("%.1f", v) end
  return format("%.14g", v)
end

-- A value as messages show it: strings in single quotes (shortened), numbers as Lua writes them.
local function show(v)
  local t = type(v)
  if t == "string" then
    if #v > 60 then v = v:sub(1, 57) .. "..." end
    return "'" .. v:gsub("\n", "\\n"):gsub("\r", "\\r") .. "'"
  elseif t == "number" then
    return numberText(v)
  elseif t == "boolean" or t == "nil" then
    return tostring(v)
  elseif isNull(v) then
    return "null"
  end
  return "a " .. t
end

-- What a "got ..." says: the type, and the value when it is a scalar.
local function got(v)
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" then return t .. " " .. show(v) end
  if t == "userdata" and isNull(v) then return "null" end
  return t
end

-- The text a scalar stands for on a command line: strings as they are, numbers as Lua writes them.
local function display(v)
  if type(v) == "number" then return numberText(v) end
  return tostring(v)
end

local function trim(s)
  return (s:match("^%s*(.-)%s*$"))
end

---------------------------------------------------------------------------------------------
-- Tables

local function isList(t)
  if type(t) ~= "table" then return false end
  local n = #t
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function isStringList(t)
  if not isList(t) then return false end
  for _, v in ipairs(t) do
    if type(v) ~= "string" then return false end
  end
  return true
end

-- A copy of plain data; tables keep their metatable (the JSON object/array markers).
local function deepCopy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, item in pairs(v) do out[k] = deepCopy(item) end
  return setmetatable(out, getmetatable(v))
end

local function deepEqual(a, b)
  if rawequal(a, b) then return true end
  if type(a) ~= type(b) then return false end
  if type(a) == "userdata" then return isNull(a) and isNull(b) end
  if type(a) ~= "table" then return a == b end
  local count = 0
  for k, v in pairs(a) do
    if not deepEqual(v, rawget(b, k)) then return false end
    count = count + 1
  end
  for _ in pairs(b) do count = count - 1 end
  return count == 0
end

local function splitCommas(text)
  local parts = {}
  for part in (text .. ","):gmatch("([^,]*),") do
    part = trim(part)
    if part ~= "" then parts[#parts + 1] = part end
  end
  return parts
end

---------------------------------------------------------------------------------------------
-- Option kinds: what an option must be, checked before a definition sets itself up

local function kind(what, check) return { what = what, check = check } end

local function isFinite(v) return type(v) == "number" and v == v and v ~= huge and v ~= -huge end

local KINDS = {
  any = kind("any value", function() return true end),
  string = kind("a string", function(v) return type(v) == "string" end),
  key = kind("a non-empty string", function(v) return type(v) == "string" and v ~= "" end),
  boolean = kind("a boolean", function(v) return type(v) == "boolean" end),
  number = kind("a number", isFinite),
  integer = kind("a whole number", function(v) return isFinite(v) and v == floor(v) end),
  decimals = kind("a whole number from 0 to 15", function(v)
    return isFinite(v) and v == floor(v) and v >= 0 and v <= 15
  end),
  table = kind("a table", function(v) return type(v) == "table" end),
  strings = kind("a list of strings", isStringList),
  paths = kind("a path or a list of paths", function(v) return type(v) == "string" or isStringList(v) end),
  items = kind("a list of items or a table of value = label", function(v) return type(v) == "table" end),
}

local function kindOf(spec)
  if type(spec) == "string" then return KINDS[spec] end
  if type(spec) == "table" and type(spec.check) == "function" then return spec end
  return nil
end

return {
  fail = fail,
  numberText = numberText,
  show = show,
  got = got,
  display = display,
  trim = trim,
  isList = isList,
  deepCopy = deepCopy,
  deepEqual = deepEqual,
  splitCommas = splitCommas,
  KINDS = KINDS,
  kindOf = kindOf,
}
