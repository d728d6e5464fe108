---@meta rscript.class

--- The root class returned by `require("rscript.class")`. Call a class to make an instance:
--- `Sub(1, 2)` runs `init(self, 1, 2)` (inherited if `Sub` has none). Metamethods defined on a
--- class (`__tostring`, `__eq`, `__lt`, `__add`, `__call`, ...) are inherited by subclasses.
---@class rscript.Object
---@field name string The class name, as given to `extend`.
---@field super rscript.Object? The parent class (nil for `Object`).
---@overload fun(...): rscript.Object
local Object = {}

--- Sets up a new instance; the root one does nothing. Call a parent's with `Class.super.init(self, ...)`.
---@param ... any
function Object:init(...) end

--- A subclass named `name` (a string, else an error naming `extend`).
---@generic T: rscript.Object
---@param self T
---@param name string
---@return T
function Object:extend(name) end

--- For an instance: whether its class is `class` or a subclass of it. For a class: whether it
--- is `class` or a subclass of it.
---@param class rscript.Object
---@return boolean
function Object:is(class) end

return Object
