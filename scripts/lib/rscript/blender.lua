-- rscript.blender: seed 004's render clients, visionsim's `BlenderClient` and `BlenderClients`
-- in Lua. Each client is one persistent Blender (`blender -b --python <rscript's server>`) with
-- its scene loaded once; calls go over the process's message channel as JSON lines. Nothing is
-- installed into Blender. See docs/blender.md and scripts/meta/blender.lua.
--
--   local blender = require("rscript.blender")
--   local client <close> = blender.BlenderClient.spawn{ timeout = 30 }
--   client:initialize("scene.blend", "renders/scene")
--   client:render_animation{ update_fn = function(p) print(p.done, p.total) end }
local BlenderClient = require("rscript.blender.client")
local BlenderClients = require("rscript.blender.clients")

BlenderClients.pool = require("rscript.blender.pool")

return {
  BlenderClient = BlenderClient,
  BlenderClients = BlenderClients,
}
