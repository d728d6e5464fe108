-- rscript.class: small single-inheritance classes.
--
--   local Object = require("rscript.class")
--   local Base = Object:extend("Base")
--   function Base:init(x) self.x = x end
--   local Sub = Base:extend("Sub")
--   function Sub:init(x, y) Sub.super.init(self, x); self.y = y end
--   local obj = Sub(1, 2)            -- obj:is(Base) == true
--
-- A class is the metatable of its instances: methods and class fields are found through
-- `__index` (the class, then its ancestors), and metamethods (`__tostring`, `__eq`, `__add`,
-- `__call`, ...) are copied down to subclasses when they are made, because Lua looks
-- metamethods up without `__index`. One defined on a class later reaches the subclasses that
-- do not define their own. `__index` and `__name` are the class's own and are never copied.

local rawget, rawset, setmetatable, getmetatable = rawget, rawset, setmetatable, getmetatable
local type, error, pairs, format = type, error, pairs, string.format

-- class -> parent class, and class -> set of direct subclasses (weak: classes can be collected)
local parents = setmetatable({}, { __mode = "k" })
local children = setmetatable({}, { __mode = "k" })

local notCopied = { __index = true, __name = true }

local function isMetamethodName(key)
  return type(key) == "string" and key:sub(1, 2) == "__" and not notCopied[key]
end

-- Gives `key` to the subclasses of `class` that do not define it themselves, and to theirs.
local function pushDown(class, key, value)
  local subs = children[class]
  if not subs then return end
  for sub in pairs(subs) do
    if rawget(sub, key) == nil then
      rawset(sub, key, value)
      pushDown(sub, key, value)
    end
  end
end

-- The metatable of each class: calling the class makes an instance; `tostring` says
-- "class Name"; fields not on the class come from the parent; metamethods set later on the
-- class reach its subclasses.
local function construct(class, ...)
  local instance = setmetatable({}, class)
  local init = class.init
  if init then init(instance, ...) end
  return instance
end

local function classToString(class)
  return "class " .. tostring(rawget(class, "name"))
end

local function newIndex(class, key, value)
  rawset(class, key, value)
  if isMetamethodName(key) then pushDown(class, key, value) end
end

local function makeClass(name, parent)
  local class = { name = name, super = parent, __name = name }
  class.__index = class
  parents[class] = parent or false
  children[class] = setmetatable({}, { __mode = "k" })
  setmetatable(class, {
    __index = parent,
    __call = construct,
    __tostring = classToString,
    __newindex = newIndex,
  })
  return class
end

---@class rscript.Object
local Object = makeClass("Object", nil)

--- Does nothing; subclasses override it to set up an instance.
function Object:init() end

--- A subclass of this class named `name`.
function Object:extend(name)
  if type(name) ~= "string" then
    error(format("extend: class name must be a string, got %s", type(name)), 2)
  end
  if parents[self] == nil then
    error("extend: must be called on a class (use Class:extend(name))", 2)
  end
  local class = makeClass(name, self)
  for key, value in pairs(self) do
    if isMetamethodName(key) then rawset(class, key, value) end
  end
  children[self][class] = true
  return class
end

--- For an instance, whether its class is `class` or one of its subclasses; for a class,
--- whether it is `class` or a subclass of it.
function Object:is(class)
  if parents[class] == nil then
    error(format("is: class expected, got %s", type(class)), 2)
  end
  local current = self
  if parents[self] == nil then current = getmetatable(self) end
  while current do
    if current == class then return true end
    current = parents[current]
  end
  return false
end

return Object
