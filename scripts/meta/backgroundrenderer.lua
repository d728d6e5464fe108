---@meta rscript.backgroundrenderer

---The base class of background-renderer plugins (Houdini's husd.backgroundrenderer.BackgroundRenderer).
---Subclass with `BackgroundRenderer:extend("Name")`, define startBackgroundRender and
---isRenderFinished, and register from `registerBackgroundRenderers(manager)`.
---@class BackgroundRenderer
---@field itemId integer unique id of this render (also `_item_id`)
---@field workDir string a fresh folder for this render's outputs and logs
local BackgroundRenderer = {}

---@param name string
---@return BackgroundRenderer
function BackgroundRenderer:extend(name) end

---Seconds between isRenderFinished calls (default 1.0). A process exit of the render also wakes it.
---@return number
function BackgroundRenderer:pollFrequency() end

---Returns the plugin options (options.plugin); gets the previous ones (or the --option values).
---@param old_options table
---@return table
function BackgroundRenderer:getConfigOptions(old_options) end

---@class BackgroundRenderOptions
---@field plugin table what getConfigOptions returned
---@field viewport {rendersettings_path: string?, camera_path: string?, res_x: integer?, res_y: integer?}

---Starts the render.
---@param scene_path string
---@param options BackgroundRenderOptions
function BackgroundRenderer:startBackgroundRender(scene_path, options) end

---Returns true when the render has finished; may call updateImagePath/updateMetadata; may wait.
---@return boolean
function BackgroundRenderer:isRenderFinished() end

---A click in the preview at normalized coordinates (0..1).
---@param x number
---@param y number
function BackgroundRenderer:mouseClick(x, y) end

---Stops the render; must not return until it is stopped.
function BackgroundRenderer:stopBackgroundRender() end

---Tells the gallery to re-read the image at `image_path` (call again when the file changed).
---@param image_path string
function BackgroundRenderer:updateImagePath(image_path) end

---Merges into the snapshot's metadata: totalClockTime, percentDone, peakMemory are shown.
---@param metadata table<string, any>
function BackgroundRenderer:updateMetadata(metadata) end

---@class BackgroundRendererManager
local Manager = {}

---Registers a renderer class under a human-readable label.
---@param label string
---@param class BackgroundRenderer
function Manager:registerBackgroundRenderer(label, class) end

return BackgroundRenderer
