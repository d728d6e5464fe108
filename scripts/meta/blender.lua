---@meta rscript.blender

---Seed 004's render clients (visionsim's `BlenderClient` and `BlenderClients`): persistent
---Blender processes that keep a scene loaded, driven with JSON lines over each process's
---message channel (`blender -b --python <rscript>/scripts/blender/rscript_blender_server.py`).
---Nothing is installed into Blender. Blender's own output goes to the client's log.
---```lua
---local blender = require("rscript.blender")
---local client <close> = blender.BlenderClient.spawn{ timeout = 30 }
---client:initialize("scene.blend", "renders/scene")
---client:render_animation{ update_fn = function(p) print(p.done, p.total) end }
---```
---@class rscript.blender
---@field BlenderClient BlenderClient
---@field BlenderClients BlenderClients
local blender = {}

---@class BlenderSpawnOptions
---@field timeout? number seconds to wait for Blender to be ready (default 30); past it, an error with its last log lines
---@field log_dir? string folder for the logs, `blender-N-M.log` (created; default: the runtime's temporary log folder). `log` is accepted too (visionsim's older name)
---@field executable? string the Blender command, split into words (default "blender"); e.g. "flatpak run org.blender.Blender"
---@field service? string a Python module loaded into each Blender; its `exposed_NAME` functions are called with `client:call("NAME", ...)`
---@field threads? integer render threads per Blender (`-t N`; default: Blender's, all cores)
---@field jobs? integer how many clients (`BlenderClients.spawn` only; default 2)

---What `update_fn` gets (a fresh table each time): the frame in flight, frames done and in
---all, Cycles's sample count from the log, and `completed` (done plus the fraction of the
---frames in flight), which `PoolProgress` task ids read.
---@class BlenderProgress
---@field frame integer
---@field done integer
---@field total integer
---@field sample integer
---@field samples integer
---@field completed number
---@field path? string the image, when a frame has just ended

---A rendered frame.
---@class BlenderFrame
---@field frame integer
---@field path string absolute path of the image (`<root_path>/frames/frame_NNNNNN.png`)
---@field pid integer the Blender that rendered it
---@field skipped? boolean with `allow_skips`, the image was already there

---@class BlenderRenderOptions
---@field frame_start? integer default: the scene's
---@field frame_end? integer default: the scene's
---@field frame_step? integer default: the scene's
---@field allow_skips? boolean frames whose image exists are not rendered again
---@field update_fn? fun(progress: BlenderProgress)|PoolProgressTask

---What `initialize` returns.
---@class BlenderSceneInfo
---@field blend_file string
---@field root_path string
---@field scene string
---@field engine string
---@field frame_start integer
---@field frame_end integer
---@field frame_step integer
---@field resolution integer[]
---@field camera string|nil

---One persistent Blender. A call suspends the calling task until Blender answers (other
---tasks run); a client serves one call at a time. A Python error in Blender raises
---`BlenderClient:<call>: <Type>: <message>` with the Python traceback; a Blender that dies
---raises with its exit code and last log lines, and marks the client `dead` (see `restart`).
---@class BlenderClient
---@field pid integer the Blender process id
---@field logPath string its log (all of Blender's output)
---@field blender string Blender's version
---@field info BlenderSceneInfo|nil what the last `initialize` returned
---@field dead boolean its Blender died; `restart()` brings it back
---@field closed boolean
---@field restarts integer
local BlenderClient = {}

---Starts one Blender and waits until it is ready (raises with its last log lines if it does not
---come up within `timeout`, or exits). Close it with `close()`, a `<close>` variable or the GC;
---one left open is killed when the script ends.
---@param options? BlenderSpawnOptions
---@return BlenderClient
function BlenderClient.spawn(options) end

---Opens `blend_file` (relative paths: from the current folder) and sets the output folder;
---images go to `<root_path>/frames/`. Turns on `use_persistent_data` (Cycles keeps the scene
---between frames). A missing file raises `FileNotFoundError: no such .blend file: ...`.
---@param blend_file string
---@param root_path string
---@return BlenderSceneInfo
function BlenderClient:initialize(blend_file, root_path) end

---`set_resolution(w, h)` or `set_resolution{w, h}`; returns `{w, h}`.
---@param width integer|integer[]
---@param height? integer
---@return integer[]
function BlenderClient:set_resolution(width, height) end

---@param n integer
---@return integer
function BlenderClient:set_current_frame(n) end

---Images at `pattern` instead of `<root_path>/frames/frame_NNNNNN.png`: `#`s stand for the
---frame number, as Blender's `-o` (`/abs/frames/shot_####` gives `shot_0001.png`); nil goes back.
---Returns the current frame's path.
---@param pattern string|nil
---@return string
function BlenderClient:set_output(pattern) end

---Scales then shifts every keyframe and the scene's frame range; returns `{start, end}`.
---@param options {scale?: number, shift?: number}
---@return integer[]
function BlenderClient:move_keyframes(options) end

---Makes the camera object `name` the scene's camera (raises naming the cameras there are).
---@param name string
---@return string
function BlenderClient:set_camera(name) end

---Sets attributes of `scene.cycles` (`{samples = 16, use_denoising = false}`); returns them.
---@param settings table<string, any>
---@return table<string, any>
function BlenderClient:cycles_settings(settings) end

---Sets attributes of `scene.render.image_settings` (`{file_format = "JPEG"}`); returns them.
---@param settings table<string, any>
---@return table<string, any>
function BlenderClient:image_settings(settings) end

---The frames `render_animation` would render.
---@param options? BlenderRenderOptions
---@return integer[]
function BlenderClient:animation_range(options) end

---@param n integer
---@param options? BlenderRenderOptions
---@return BlenderFrame
function BlenderClient:render_frame(n, options) end

---@param frames integer[]
---@param options? BlenderRenderOptions
---@return BlenderFrame[]
function BlenderClient:render_frames(frames, options) end

---Renders the scene's range (or the one given), reporting progress to `update_fn`.
---@param options? BlenderRenderOptions
---@return BlenderFrame[]
function BlenderClient:render_animation(options) end

---Calls the service's `exposed_NAME(...)` with JSON arguments; returns its JSON result.
---@param name string
---@param ... any
---@return any
function BlenderClient:call(name, ...) end

---Kills what is left of this Blender, starts a new one, and makes the setup calls again
---(`initialize`, `set_resolution`, `move_keyframes`, `set_camera`, the settings).
---@return BlenderClient
function BlenderClient:restart() end

---Quits Blender (it finishes the call in flight, which then fails) and reaps it.
function BlenderClient:close() end

---Several persistent Blenders as one. Setup calls fan out to every client at once and return
---a list of their results; renders share one queue of frames, each taken by whichever client
---is free. A client whose Blender dies is restarted and its frame queued again (each frame is
---tried twice at most); the render raises if frames are left.
---@class BlenderClients
---@field clients BlenderClient[]
---@field pids integer[]
---@field jobs integer
local BlenderClients = {}

---@param options? BlenderSpawnOptions
---@return BlenderClients
function BlenderClients.spawn(options) end

---@return BlenderSceneInfo[]
function BlenderClients:initialize(blend_file, root_path) end
function BlenderClients:set_resolution(width, height) end
function BlenderClients:set_current_frame(n) end
function BlenderClients:set_output(pattern) end
function BlenderClients:move_keyframes(options) end
function BlenderClients:set_camera(name) end
function BlenderClients:cycles_settings(settings) end
function BlenderClients:image_settings(settings) end
---@return any[]
function BlenderClients:call(name, ...) end
---@return integer[]
function BlenderClients:animation_range(options) end
---@return BlenderFrame[]
function BlenderClients:render_animation(options) end
---@return BlenderFrame[]
function BlenderClients:render_frames(frames, options) end
---@return BlenderFrame
function BlenderClients:render_frame(n, options) end
function BlenderClients:close() end

---A pool of `jobs` clients whose applicators inject a client as each task's first argument
---(the seed's `BlenderClients.pool`). Tasks are functions of this script, run as its tasks;
---each client serves one task at a time and a queued task goes to the first client free.
---@param jobs integer
---@param options? BlenderSpawnOptions
---@return BlenderPool
function BlenderClients.pool(jobs, options) end

---@class BlenderPool
---@field clients BlenderClients
local BlenderPool = {}

---Queues `fn(client, args...)`; returns a future at once. A task that raises fails with its
---traceback (the client is reused); one whose Blender dies fails with Blender's last log lines
---and the client is restarted; with `{retry = true}` it then runs once more. Progress task ids
---(`progress:add_task`) among `args` end with the task.
---@param fn fun(client: BlenderClient, ...): any
---@param args? any[]
---@param options? {retry?: boolean}
---@return BlenderFuture
function BlenderPool:apply_async(fn, args, options) end

---@return any
function BlenderPool:apply(fn, args, options) end

---Runs `fn(client, item)` for each item; returns the results in order, or raises
---`task 3 of 10 failed: ...` (the queued items are cancelled).
---@param fn fun(client: BlenderClient, item: any): any
---@param items any[]
---@return any[]
function BlenderPool:map(fn, items) end

---@param fn fun(client: BlenderClient, ...): any
---@param argument_lists any[][]
---@return any[]
function BlenderPool:starmap(fn, argument_lists) end

---@return fun(): any, integer
function BlenderPool:imap(fn, items) end

---Results as they finish; the second value is the item's index.
---@return fun(): any, integer
function BlenderPool:imap_unordered(fn, items) end

---No more work.
function BlenderPool:close() end

---After `close`: waits for every task, then quits the clients.
function BlenderPool:join() end

---Cancels the queued tasks and kills the clients.
function BlenderPool:terminate() end

---@class BlenderFuture
local BlenderFuture = {}
---@return "queued"|"running"|"done"|"failed"|"cancelled"
function BlenderFuture:status() end
---@return boolean
function BlenderFuture:ready() end
---Suspends until the task ends (or `timeout`); raises its error.
---@param timeout? number
---@return any
function BlenderFuture:get(timeout) end
---@param timeout? number
---@return boolean finished
function BlenderFuture:wait(timeout) end
---Cancels it if still queued.
---@return boolean
function BlenderFuture:cancel() end

return blender
