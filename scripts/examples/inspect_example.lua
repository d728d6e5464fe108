-- rscript.inspect: a readable picture of a table, as the REPL prints results.
-- Run: rscript run scripts/examples/inspect_example.lua
local inspect = require("rscript.inspect")

local shot = { name = "sh010", frames = { 1001, 1002, 1003 }, camera = { lens = 35, fstop = 2.8 } }
shot.parent = shot  -- a cycle is shown, not followed
local line = inspect(shot)
print(line)
assert(line == '{ camera = { fstop = 2.8, lens = 35 }, frames = { 1001, 1002, 1003 }, name = "sh010", parent = <cycle> }')

print(inspect(shot, { depth = 1, indent = "  " }))
assert(inspect({ 1, { 2, { 3, { 4 } } } }) == "{ 1, { 2, { 3, {...} } } }")
