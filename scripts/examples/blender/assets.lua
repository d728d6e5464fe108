-- The example scenes of scripts/examples/blender/: assets/<name>.blend in the current folder,
-- made once by scripts/examples/scenes/make_blend.py (small, few samples, an 8-frame animation)
-- when missing. visionsim ships monkey.blend, cube.blend and metaballs.blend; these stand in.
local fs = require("rscript.fs")
local process = require("rscript.process")
local task = require("rscript.task")

local _, here = ...
local makeBlend = (here and here:match("^(.*)/[^/]*$") or ".") .. "/../scenes/make_blend.py"

local assets = {}

--- Makes the missing `assets/<name>.blend` files, in parallel; returns their paths.
function assets.ensure(names)
  fs.mkdir("assets")
  local paths, jobs = {}, {}
  for i, name in ipairs(names) do
    paths[i] = "assets/" .. name .. ".blend"
    if not fs.exists(paths[i]) then
      jobs[#jobs + 1] = task.spawn(function()
        local p = process.spawn{ "blender", "-b", "--factory-startup", "--python", makeBlend, "--",
          paths[i], "--res", "64x48", "--samples", "4", "--frames", "8" }
        local code = p:wait()
        if code ~= 0 then error("make_blend.py failed for " .. paths[i] .. ":\n" .. table.concat(p:tail(10), "\n")) end
      end)
    end
  end
  for _, job in ipairs(jobs) do
    local ok, message = job:wait()
    if not ok then error(message, 2) end
  end
  return paths
end

return assets
