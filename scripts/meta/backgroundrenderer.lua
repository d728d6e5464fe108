---@meta rscript.backgroundrenderer

---The base class of background-renderer plugins (Houdini's husd.backgroundrenderer.BackgroundRenderer).
---Subclass with `BackgroundRenderer:extend("Name")`, define startBackgroundRender and
---isRenderFinished, and register from `registerBackgroundRenderers(manager)`.
---@class BackgroundRenderer
---@field itemId integer unique id of this render (also `_item_id`)
---@field workDir string a fresh folder for this render's outputs and logs
---@field _lopnet_path string the scene path: Houdini's LOP network path, for ported plugins
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
---@field viewport {rendersettings_path: string?, camera_path: string?, res_x: integer?, res_y: integer?} each when given (--rendersettings, --camera, --res)

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

---@class FrameChunk
---@field first integer the chunk's first frame
---@field last integer its last frame
---@field step integer frames from one to the next (1, or the spec's step: 1-240x2)
---@field frames integer[] the frames, first..last by step
---@field count integer how many
---@field id integer the run's number (a retry is a new run)
---@field attempt integer 1, then 2... for retries of the frames a failed run left
---@field span {first: integer, last: integer} the first and last frame of the whole render

---@class FrameProgress
---@field frame integer|nil the frame (default: the last one reported)
---@field percent number|nil how far that frame is (0-100)
---@field done boolean|nil the frame's image is written
---@field path string|nil where, when not at framePath (the runtime moves it there once whole)
---@field error string|nil why the chunk is failing, in the renderer's words

---Frame ranges (optional; `rscript render --frames`, docs/frames.md): the command that renders
---`chunk` in one process: an argv table with optional `cwd=` and `env=`. `output` is the frame
---pattern (`/abs/frames/orbit_####`). `self.workDir` is the chunk's scratch folder.
---@param scene_path string
---@param chunk FrameChunk
---@param output string
---@param options BackgroundRenderOptions
---@return table command
function BackgroundRenderer:chunkCommand(scene_path, chunk, output, options) end

---Frame ranges (optional): reads one output line of the chunk's renderer.
---@param line string
---@return FrameProgress|FrameProgress[]|nil
function BackgroundRenderer:parseChunkProgress(line) end

---Frame ranges (optional): the image of `frame` (default: `output` with its #### replaced by the
---zero-padded frame number, plus `.png`). Frames whose image is whole are skipped.
---@param output string
---@param frame integer
---@return string
function BackgroundRenderer:framePath(output, frame) end

---Frame ranges (optional): seconds the renderer takes to start, for `--chunk auto` (default 0.5).
---@return number
function BackgroundRenderer:chunkStartupSeconds() end

---@class BackgroundRendererManager
local Manager = {}

---Registers a renderer class under a human-readable label.
---@param label string
---@param class BackgroundRenderer
function Manager:registerBackgroundRenderer(label, class) end

return BackgroundRenderer
