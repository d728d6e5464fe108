-- The base class of background-renderer plugins: Houdini's husd.backgroundrenderer.BackgroundRenderer
-- in Lua. Subclass it with `BackgroundRenderer:extend("MyRenderer")` and define at least
-- `startBackgroundRender` and `isRenderFinished`; register the class from
-- `registerBackgroundRenderers(manager)`.
--
-- The runtime sets, before `startBackgroundRender` runs:
--   self.itemId   unique id of this render (Houdini's self._item_id; also set as _item_id)
--   self.workDir  a fresh folder for this render's outputs and logs
--   self._lopnet_path  the scene path (Houdini's LOP network path, for ported plugins)
--
-- startBackgroundRender(scene_path, options) gets options.plugin (what getConfigOptions
-- returned) and options.viewport: rendersettings_path, camera_path, res_x, res_y, each present
-- when given (--rendersettings, --camera, --res).

local Object = require("rscript.class")

---@class BackgroundRenderer
---@field itemId integer unique id of this render
---@field _item_id integer the same, under Houdini's name
---@field workDir string a fresh folder for this render's outputs and logs
---@field _lopnet_path string the scene path (Houdini's LOP network path)
local BackgroundRenderer = Object:extend("BackgroundRenderer")

--- How often, in seconds, the runtime calls isRenderFinished (also at once when a process the
--- render started exits).
---@return number
function BackgroundRenderer:pollFrequency()
  return 1.0
end

--- Returns the plugin options to use; gets what it returned last time (or the --option values).
---@param old_options table
---@return table
function BackgroundRenderer:getConfigOptions(old_options)
  return old_options
end

--- Called when the user clicks the preview; x and y are normalized (0..1).
---@param x number
---@param y number
function BackgroundRenderer:mouseClick(x, y) end

--- Must not return until the render is stopped.
function BackgroundRenderer:stopBackgroundRender() end

--- Tells the gallery to (re-)read the image at `image_path`; call again with the same path when
--- the file changed.
---@param image_path string
function BackgroundRenderer:updateImagePath(image_path)
  local render = rawget(self, "_render")
  if render == nil then error("updateImagePath: this renderer is not running a render", 2) end
  render:updateImagePath(image_path)
end

--- Merges `metadata` into the snapshot's metadata. Shown keys: totalClockTime (seconds),
--- percentDone (0-100), peakMemory (bytes); any other JSON-able key is kept.
---@param metadata table<string, any>
function BackgroundRenderer:updateMetadata(metadata)
  local render = rawget(self, "_render")
  if render == nil then error("updateMetadata: this renderer is not running a render", 2) end
  render:updateMetadata(metadata)
end

return BackgroundRenderer
