-- visionsim's examples/blender/render_animation_parallel.py, line by line: the same with
-- `BlenderClients.spawn{ jobs = 2 }`, and nothing else changed. The frames go to whichever
-- client is free.
local blender = require("rscript.blender")
local PoolProgress = require("rscript.poolprogress")
require("assets").ensure{ "monkey" }  -- the example scene (visionsim ships its own)

local BlenderClients = blender.BlenderClients

do
  local clients <close> = BlenderClients.spawn{ jobs = 2, timeout = 30, log = "logs" }
  local progress <close> = PoolProgress.new()
  clients:initialize("assets/monkey.blend", "renders/monkey")
  local task = progress:add_task("Rendering monkey.blend...")
  clients:render_animation{ update_fn = task }
  progress:wait()
end
