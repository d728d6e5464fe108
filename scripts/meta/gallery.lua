---@meta rscript.gallery

---Start background renders from Lua; they are recorded in the gallery as they change.
---@class rscript.gallery
local gallery = {}

---@class StartRenderSpec
---@field renderer string the label, e.g. "POV-Ray"
---@field scene string the scene file
---@field res_x? integer
---@field res_y? integer
---@field camera? string the camera path (options.viewport.camera_path)
---@field rendersettings? string the RenderSettings prim path (options.viewport.rendersettings_path)
---@field options? table<string, any> plugin options (options.plugin)
---@field timeout? number seconds; the render then fails

---Starts a render. Raises for an unknown renderer (listing the known ones) or a missing scene.
---The calling task waits while the render's row is written to the gallery database (other tasks
---and timers run meanwhile, even while another process holds the database's lock).
---@param spec StartRenderSpec
---@return Render
function gallery.startRender(spec) end

---The labels of the renderers found (plugins and the running script's).
---@return string[]
function gallery.renderers() end

---@alias RenderState "rendering"|"finished"|"failed"|"stopped"

---@class Render
---@field id integer the render's itemId (its gallery id)
local Render = {}

---@return RenderState
function Render:state() end

---The snapshot's metadata (totalClockTime, percentDone, peakMemory, and the plugin's own keys).
---@return table<string, any>
function Render:metadata() end

---The latest image path, or nil.
---@return string|nil
function Render:imagePath() end

---Every image path given, in order.
---@return string[]
function Render:images() end

---The failure message and traceback, or nil.
---@return string|nil
function Render:error() end

---Suspends the task until the render ends; returns its final state.
---@return RenderState
function Render:wait() end

---Asks the render to stop (its plugin's stopBackgroundRender runs).
function Render:stop() end

---Sends a click at normalized coordinates (0..1) to the plugin's mouseClick.
---@param x number
---@param y number
function Render:mouseClick(x, y) end

return gallery
