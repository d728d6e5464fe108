-- rscript: the core module: version, the null sentinel, stop hooks.
-- Run: rscript run scripts/examples/rscript_example.lua
local rscript = require("rscript")

print("rscript " .. rscript.version)
assert(rscript.version:match("^%d+%.%d+%.%d+"))

-- null is a value (unlike nil), so it can sit in a table.
local settings = { output = null, frames = 24 }
assert(rscript.null == null)
assert(settings.output ~= nil and rscript.isNull(settings.output))
assert(not rscript.isNull(nil) and not rscript.isNull(false))
print("output is null: " .. tostring(rscript.isNull(settings.output)))
print(tostring(null))
assert(tostring(null) == "null")

-- Runs if the script is stopped (Ctrl-C) or fails; not after a normal end.
rscript.onStop(function()
  print("stopped early: cleaning up")
end)
