-- rscript/internal/render_driver.lua: INTERNAL to the runtime, not a module to require.
-- The Lua side of one background render (RenderManager loads it as the chunk "render driver"):
-- runs as a task of the runtime, so plugin methods may wait (`proc:wait()`, `time.sleep`)
-- without blocking other renders. Called with (render context, renderer class, scene, options);
-- returns "stopped" or "finished".
-- The render context is internal (stopRequested, takeClicks, polled, waitPoll), so untyped.
---@type any, fun(): BackgroundRenderer, string, BackgroundRenderOptions
local render, Class, scene, options = ...
local plugin = Class()
rawset(plugin, "itemId", render.id)
rawset(plugin, "_item_id", render.id)
rawset(plugin, "workDir", render.workDir)
rawset(plugin, "_lopnet_path", scene)
rawset(plugin, "_render", render)
local configured = plugin:getConfigOptions(options.plugin)
if configured ~= nil then options.plugin = configured end
plugin:startBackgroundRender(scene, options)
while true do
  if render:stopRequested() then
    plugin:stopBackgroundRender()
    return "stopped"
  end
  local clicks = render:takeClicks()
  if clicks then
    for i = 1, #clicks do plugin:mouseClick(clicks[i][1], clicks[i][2]) end
  end
  if plugin:isRenderFinished() then
    render:polled()
    return "finished"
  end
  render:polled()
  render:waitPoll(plugin:pollFrequency())
end
