-- visionsim's examples/blender/render_animation.py, line by line: one persistent Blender
-- renders an animation, with a progress bar.
local blender = require("rscript.blender")
local PoolProgress = require("rscript.poolprogress")
require("assets").ensure{ "monkey" }  -- the example scene (visionsim ships its own)

local BlenderClient = blender.BlenderClient

do
  local client <close> = BlenderClient.spawn{ timeout = 30, log = "logs" }
  local progress <close> = PoolProgress.new()
  client:initialize("assets/monkey.blend", "renders/monkey")
  local task = progress:add_task("Rendering monkey.blend...")
  client:render_animation{ update_fn = task }
  progress:wait()
end
