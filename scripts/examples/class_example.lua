-- rscript.class: classes with single inheritance, super calls and inherited metamethods.
-- Run: rscript run scripts/examples/class_example.lua
local Object = require("rscript.class")

local Shape = Object:extend("Shape")
Shape.family = "shape"  -- a class field: instances and subclasses see it

function Shape:init(name)
  self.name = name
end

function Shape:area()
  return 0
end

function Shape:__tostring()
  return string.format("%s(%s, area %g)", getmetatable(self).name, self.name, self:area())
end

function Shape.__lt(a, b)
  return a:area() < b:area()
end

local Rect = Shape:extend("Rect")

function Rect:init(name, w, h)
  Rect.super.init(self, name)  -- the parent's init
  self.w, self.h = w, h
end

function Rect:area()
  return self.w * self.h
end

local Square = Rect:extend("Square")

function Square:init(name, side)
  Square.super.init(self, name, side, side)
end

local shapes = { Rect("door", 1, 2), Square("tile", 0.5), Square("table", 1.5) }
table.sort(shapes)  -- uses the __lt that Square and Rect inherit from Shape

local lines = {}
for _, shape in ipairs(shapes) do
  lines[#lines + 1] = tostring(shape)
end
local text = table.concat(lines, "; ")
print(text)
assert(text == "Square(tile, area 0.25); Rect(door, area 2); Square(table, area 2.25)")

local tile = shapes[1]
assert(tile:is(Square) and tile:is(Shape) and not tile:is(Object:extend("Other")))
assert(Square:is(Rect) and not Rect:is(Square))
assert(tile.family == "shape")
print(tostring(Square) .. " is a subclass of " .. Square.super.name)
assert(tostring(Square) == "class Square")
