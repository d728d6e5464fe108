-- A custom service: extended_service.py's `exposed_` functions, called with `client:call`.
local blender = require("rscript.blender")
require("assets").ensure{ "monkey" }  -- the example scene

local here = arg and arg[0] or debug.getinfo(1, "S").source:gsub("^@", "")
local service = (here:match("^(.*)/[^/]*$") or ".") .. "/extended_service.py"

do
  local client <close> = blender.BlenderClient.spawn{ timeout = 30, service = service }
  client:initialize("assets/monkey.blend", "renders/monkey")
  local aabb = client:call("scene_aabb")
  print(string.format("scene bounds: (%.1f, %.1f, %.1f) to (%.1f, %.1f, %.1f)",
    aabb[1][1], aabb[1][2], aabb[1][3], aabb[2][1], aabb[2][2], aabb[2][3]))
  print("missing textures: " .. #client:call("missing_textures"))
  local ok, message = pcall(client.call, client, "fail", "on purpose")
  assert(not ok and message:find("ValueError: on purpose", 1, true) and message:find("Traceback", 1, true))
end
