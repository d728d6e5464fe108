---@meta rscript.json

--- JSON text to Lua values and back: `require("rscript.json")`.
---
--- Integers stay integers (`1`) and floats floats (`1.0`, `1e2`); JSON `null` is `json.null`,
--- not nil; decoded objects carry a marker so that `{}` encodes back as `{}`. Strings are bytes
--- and must be UTF-8.
---@class rscript.json
local json = {}

--- The null sentinel (the global `null`).
---@type rscript.Null
json.null = nil

---@class rscript.json.EncodeOptions
---@field pretty? boolean Lay the output out on several lines, indented by 2 spaces.
---@field indent? integer Spaces per level (0 to 16); implies `pretty` unless `pretty = false`.
---@field sort_keys? boolean Write object keys in byte order, for stable output.

--- The JSON text of `value`. Tables with keys `1..n` are arrays, tables with string keys
--- objects, empty tables `[]` unless marked with `json.object`. Raises an error naming the
--- path (such as `$.items[3]`) for cycles, mixed or sparse tables, NaN or infinite numbers,
--- invalid UTF-8, functions and other non-data values, or nesting deeper than 1000.
---@param value any
---@param options? rscript.json.EncodeOptions
---@return string
function json.encode(value, options) end

--- The value of JSON text. Raises `json.decode: <problem> at line L, column C` on bad input.
---@param text string
---@param options? { duplicate_keys?: "last"|"error"|"rename" } a key seen twice in one object: the last value wins (default), an error, or later values kept under `key#2`, `key#3`...
---@return any
function json.decode(text, options) end

--- Marks `t` (or a new table) as a JSON object, so it encodes as `{}` when empty; returns it.
---@generic T: table
---@param t? T
---@return T
function json.object(t) end

--- Marks `t` (or a new table) as a JSON array; returns it.
---@generic T: table
---@param t? T
---@return T
function json.array(t) end

return json
