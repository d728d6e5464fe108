-- visionsim's examples/blender/renderpool_progressbar.py, line by line: `apply_async` plus
-- PoolProgress, with a bar per task that the task's `update_fn` advances.
local blender = require("rscript.blender")
local PoolProgress = require("rscript.poolprogress")
require("assets").ensure{ "monkey", "cube", "metaballs" }  -- the example scenes

local BlenderClients = blender.BlenderClients

local function render(client, blend_file, tick)
  local root = "renders/" .. blend_file:match("([^/]+)%.blend$")
  client:initialize(blend_file, root)
  client:set_resolution{ 128, 128 }  -- visionsim: 512 x 512
  client:move_keyframes{ scale = 0.5 }
  client:render_animation{ update_fn = tick }
end

do
  local pool <close> = BlenderClients.pool(2, { log_dir = "logs", timeout = 30 })
  local progress <close> = PoolProgress.new()
  for _, blend_file in ipairs({ "assets/monkey.blend", "assets/cube.blend", "assets/metaballs.blend" }) do
    local tick = progress:add_task(string.format("Rendering %s...", blend_file))

    -- Note: the client is passed to `render` by the pool.
    pool:apply_async(render, { blend_file, tick })
  end
  progress:wait()
  pool:close()
  pool:join()
end
