---@meta rscript.inspect

--- A readable, bounded picture of any Lua value: `require("rscript.inspect")(value, options)`.
--- Keys sorted, tables nested to `depth` levels (`{...}` below), a table inside itself shown as
--- `<cycle>`, long tables and strings elided with a count. The REPL prints tables with it.
---@class rscript.inspect
---@overload fun(value: any, options?: rscript.inspect.Options): string
local inspect = {}

---@class rscript.inspect.Options
---@field depth? integer levels of nesting shown (default 3)
---@field max_items? integer entries shown per table (default 50)
---@field max_string? integer bytes shown per string (default 200)
---@field indent? string one entry a line, indented by this string (default: one line)

--- The same as calling the module.
---@param value any
---@param options? rscript.inspect.Options
---@return string
function inspect.inspect(value, options) end

return inspect
