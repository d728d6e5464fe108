-- Deep copies and comparisons of plain data (tables of strings, numbers, booleans, null),
-- keeping the JSON object marker so that an empty object stays an object.

local getmetatable, setmetatable, type, next, pairs = getmetatable, setmetatable, type, next, pairs

local copy = {}

--- A deep copy of `value`: tables are copied with their metatable (the JSON markers); other
--- values are returned as they are.
local function deep(value)
  if type(value) ~= "table" then return value end
  local result = {}
  for k, v in next, value do
    if type(v) == "table" then v = deep(v) end
    result[k] = v
  end
  local mt = getmetatable(value)
  if mt then setmetatable(result, mt) end
  return result
end
copy.deep = deep

--- Whether two values are equal as data: tables by content, recursively.
local function equal(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in next, a do
    local w = b[k]
    if w == nil or not equal(v, w) then return false end
  end
  for k in next, b do
    if a[k] == nil then return false end
  end
  return true
end
copy.equal = equal

--- Whether `value` is a table with only string keys (a JSON object; an empty table counts).
function copy.isMap(value)
  if type(value) ~= "table" then return false end
  for k in next, value do
    if type(k) ~= "string" then return false end
  end
  return true
end

return copy
