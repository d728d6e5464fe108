-- rscript.inspect: a readable, bounded picture of a Lua value, as inspect.lua or hython's repr
-- give it. The REPL prints results with it; scripts can use it for logs and errors.
--
--   local inspect = require("rscript.inspect")
--   print(inspect({ b = 2, a = { 1, 2, 3 } }))   --> { a = { 1, 2, 3 }, b = 2 }
--
-- Keys are sorted (numbers, then strings, then the rest by type name), tables nest to `depth`
-- levels (deeper ones show as `{...}`), a table met again on the way down shows as `<cycle>`,
-- and a table with more than `max_items` entries or a string longer than `max_string` is
-- elided with a count. Metatables are not followed: `__tostring` is used for tables that have
-- one, as `print` does. Never raises on any value: a `__tostring` that fails shows its type.

local M = {}

local DEFAULTS = { depth = 3, max_items = 50, max_string = 200 }

local type, tostring, pcall, rawget, next, getmetatable = type, tostring, pcall, rawget, next, getmetatable
local format, concat, sort = string.format, table.concat, table.sort
local math_type = math.type

local function is_identifier(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil and not ({
    ["and"] = 1, ["break"] = 1, ["do"] = 1, ["else"] = 1, ["elseif"] = 1, ["end"] = 1, ["false"] = 1,
    ["for"] = 1, ["function"] = 1, ["goto"] = 1, ["if"] = 1, ["in"] = 1, ["local"] = 1, ["nil"] = 1,
    ["not"] = 1, ["or"] = 1, ["repeat"] = 1, ["return"] = 1, ["then"] = 1, ["true"] = 1,
    ["until"] = 1, ["while"] = 1,
  })[s]
end

local function quote(s, max)
  local shown = s
  local suffix = ""
  if #s > max then
    shown = s:sub(1, max)
    suffix = format("...(%d bytes)", #s)
  end
  return format("%q", shown):gsub("\\\n", "\\n") .. suffix
end

local function safe_tostring(v)
  local ok, s = pcall(tostring, v)
  if ok and type(s) == "string" then return s end
  return "<" .. type(v) .. ">"
end

local function key_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    if ta == "number" then return true end
    if tb == "number" then return false end
    if ta == "string" then return true end
    if tb == "string" then return false end
    return ta < tb
  end
  if ta == "number" or ta == "string" then return a < b end
  return safe_tostring(a) < safe_tostring(b)
end

local function scalar(v, options)
  local t = type(v)
  if t == "string" then return quote(v, options.max_string) end
  if t == "number" then
    if math_type(v) == "float" then
      if v ~= v then return "0/0" end
      if v == math.huge then return "math.huge" end
      if v == -math.huge then return "-math.huge" end
      local s = format("%.17g", v)
      if tonumber(format("%.14g", v)) == v then s = format("%.14g", v) end
      if not s:find("[%.eEn]") then s = s .. ".0" end
      return s
    end
    return tostring(v)
  end
  if t == "nil" or t == "boolean" then return tostring(v) end
  return safe_tostring(v)
end

local function render(v, options, level, seen)
  if type(v) ~= "table" then return scalar(v, options) end
  local mt = getmetatable(v)
  if type(mt) == "table" and rawget(mt, "__tostring") ~= nil then return safe_tostring(v) end
  if seen[v] then return "<cycle>" end
  if level >= options.depth then return next(v) == nil and "{}" or "{...}" end
  seen[v] = true
  local keys, n = {}, 0
  local length = 0
  while rawget(v, length + 1) ~= nil do length = length + 1 end
  for k in next, v do
    if not (math_type(k) == "integer" and k >= 1 and k <= length) then
      n = n + 1
      keys[n] = k
    end
  end
  sort(keys, key_order)
  local parts, count, total = {}, 0, length + n
  local limit = options.max_items
  for i = 1, length do
    if count >= limit then break end
    count = count + 1
    parts[count] = render(rawget(v, i), options, level + 1, seen)
  end
  for i = 1, n do
    if count >= limit then break end
    local k = keys[i]
    local key = is_identifier(k) and k or ("[" .. render(k, options, level + 1, seen) .. "]")
    count = count + 1
    parts[count] = key .. " = " .. render(rawget(v, k), options, level + 1, seen)
  end
  if total > count then parts[count + 1] = format("...(%d more)", total - count) end
  seen[v] = nil
  if #parts == 0 then return "{}" end
  if options.indent then
    local pad = options.indent:rep(level + 1)
    return "{\n" .. pad .. concat(parts, ",\n" .. pad) .. "\n" .. options.indent:rep(level) .. "}"
  end
  return "{ " .. concat(parts, ", ") .. " }"
end

--- inspect(value [, options]) -> string. options: depth (3), max_items (50), max_string (200),
--- indent (nil: one line; a string such as "  ": one entry a line).
function M.inspect(value, options)
  if options ~= nil and type(options) ~= "table" then
    error("bad argument #2 to 'inspect' (table expected, got " .. type(options) .. ")", 2)
  end
  local o = {}
  for k, d in pairs(DEFAULTS) do
    local given = options and options[k]
    if given == nil then
      o[k] = d
    else
      if math_type(given) ~= "integer" or given < 0 then
        error("bad argument #2 to 'inspect' (" .. k .. " must be a non-negative integer)", 2)
      end
      o[k] = given
    end
  end
  local indent = options and options.indent
  if indent ~= nil and type(indent) ~= "string" then
    error("bad argument #2 to 'inspect' (indent must be a string)", 2)
  end
  o.indent = indent
  return render(value, o, 0, {})
end

return setmetatable(M, { __call = function(_, value, options) return M.inspect(value, options) end })
