-- visionsim's examples/blender/renderpool_simple.py, line by line: `pool:map` over several
-- .blend files, each task calling initialize, set_resolution, move_keyframes and
-- render_animation on the client the pool passes first.
local blender = require("rscript.blender")
require("assets").ensure{ "monkey", "cube", "metaballs" }  -- the example scenes

local BlenderClients = blender.BlenderClients

local function render(client, blend_file)
  local root = "renders/" .. blend_file:match("([^/]+)%.blend$")
  client:initialize(blend_file, root)
  client:set_resolution{ 128, 128 }  -- visionsim: 512 x 512
  client:move_keyframes{ scale = 0.5 }
  return client:render_animation()
end

do
  local pool <close> = BlenderClients.pool(2, { log_dir = "logs", timeout = 30 })
  -- Note: the client is passed to `render` by the pool.
  local results = pool:map(render, { "assets/monkey.blend", "assets/cube.blend", "assets/metaballs.blend" })
  for i, frames in ipairs(results) do print(string.format("scene %d: %d frames, last %s", i, #frames, frames[#frames].path)) end
end
