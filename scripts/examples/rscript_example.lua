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

-- Plugin folders: the roots of RSCRIPT_PLUGIN_PATH, where "&" stands for ~/.config/rscript then
-- the shipped scripts/plugins; unset, the path is "&". Compare:
--   RSCRIPT_PLUGIN_PATH=/studio/rscript:& rscript run scripts/examples/rscript_example.lua
--   RSCRIPT_PLUGIN_PATH=/studio/rscript   rscript run scripts/examples/rscript_example.lua
for _, folder in ipairs(rscript.pluginFolders("backgroundrenderers")) do
  print("renderer plugins are searched in " .. folder)
end
print(#rscript.pluginFiles("backgroundrenderers") .. " renderer plugin file(s) found")

-- Runs if the script is stopped (Ctrl-C) or fails; not after a normal end.
rscript.onStop(function()
  print("stopped early: cleaning up")
end)
