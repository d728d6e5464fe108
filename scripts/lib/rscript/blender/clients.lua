-- rscript.blender's BlenderClients: several persistent Blenders driven as one. Setup calls fan
-- out to every client at once; renders share one queue of frames, each taken by whichever
-- client is free (visionsim splits the frames up front). A client whose Blender dies is
-- restarted with its setup made again, and its frame goes back in the queue (once per frame).
local task = require("rscript.task")
local BlenderClient = require("rscript.blender.client")

local format = string.format

local BlenderClients = {}
BlenderClients.__index = BlenderClients
BlenderClients.__name = "BlenderClients"

-- Runs `fn(client, i)` for every client at once (each in a task of this script); returns the
-- results in client order, or raises the first failure.
local function fanOut(clients, fn)
  local results, errors, tasks = {}, {}, {}
  for i, client in ipairs(clients) do
    tasks[i] = task.spawn(function()
      local ok, result = xpcall(fn, debug and debug.traceback or tostring, client, i)
      if ok then results[i] = result else errors[i] = result end
    end)
  end
  for _, t in ipairs(tasks) do t:wait() end
  for i = 1, #clients do
    if errors[i] then error(errors[i], 0) end
  end
  return results
end
BlenderClients._fanOut = fanOut

--- Starts `jobs` clients at once (default 2).
function BlenderClients.spawn(options)
  options = BlenderClient._checkOptions("BlenderClients.spawn", options)
  local jobs = options.jobs or 2
  if math.type(jobs) ~= "integer" or jobs < 1 then
    error("BlenderClients.spawn: jobs must be a positive integer, got " .. tostring(jobs), 2)
  end
  local clientOptions = {}
  for k, v in pairs(options) do if k ~= "jobs" then clientOptions[k] = v end end
  local slots = {}
  for i = 1, jobs do slots[i] = i end
  local clients = {}
  local ok, message = pcall(fanOut, slots, function(_, i) clients[i] = BlenderClient.spawn(clientOptions) end)
  if not ok then
    for _, client in pairs(clients) do client:close() end
    error(message, 2)
  end
  local self = setmetatable({ clients = clients, jobs = jobs }, BlenderClients)
  self.pids = {}
  for i, client in ipairs(clients) do self.pids[i] = client.pid end
  return self
end

local function fanOutMethod(name)
  return function(self, ...)
    if getmetatable(self) ~= BlenderClients then
      error(format("calling '%s' on bad self (BlenderClients expected; use clients:%s(...))", name, name), 2)
    end
    local args = table.pack(...)
    return fanOut(self.clients, function(client) return client[name](client, table.unpack(args, 1, args.n)) end)
  end
end

for _, name in ipairs({ "initialize", "set_resolution", "set_output", "set_current_frame", "move_keyframes", "set_camera",
  "cycles_settings", "image_settings", "call" }) do
  BlenderClients[name] = fanOutMethod(name)
end

function BlenderClients:animation_range(options)
  return self.clients[1]:animation_range(options)
end

-- Renders `frames` on every client, taking frames from one queue; `update_fn` gets
-- {frame, done, total, sample, samples, completed} as frames end and samples go by.
-- `_observe(kind, event)` (INTERNAL, for `rscript render --persistent`) hears each attempt at a
-- frame: "start" {frame, client, pid, log, attempt}, "progress" {frame, client, sample,
-- samples}, then "done" {frame, client, path} or "failed" {frame, client, reason, retry}.
local function renderQueue(self, frames, options)
  local queue, head, tail, attempts = {}, 1, #frames, {}
  for i, n in ipairs(frames) do queue[i] = n end
  local total, done, results = #frames, 0, {}
  local update = options.update_fn
  local observe = options._observe or function() end
  local inFlight = {}  -- client index -> {frame, fraction}
  local function report(frame, sample, samples, path)
    if not update then return end
    local fraction = 0
    for _, f in pairs(inFlight) do fraction = fraction + f.fraction end
    update({ frame = frame, done = done, total = total, sample = sample or 0, samples = samples or 0,
      completed = done + fraction, path = path })
  end
  local failures = {}
  fanOut(self.clients, function(client, i)
    while true do
      local n = queue[head]
      if n == nil then
        if next(inFlight) == nil then return end
        -- frames in flight elsewhere may come back if their Blender dies
        local again = false
        for _, f in pairs(inFlight) do if (attempts[f.frame] or 0) < 2 then again = true end end
        if not again then return end
        require("rscript.time").sleep(0.05)
      else
        queue[head] = nil
        head = head + 1
        inFlight[i] = { frame = n, fraction = 0 }
        attempts[n] = (attempts[n] or 0) + 1
        observe("start", { frame = n, client = i, pid = client.pid, log = client.logPath, attempt = attempts[n] })
        local ok, result = pcall(client.render_frame, client, n, {
          allow_skips = options.allow_skips,
          update_fn = (update or options._observe) and function(p)
            if p.samples and p.samples > 0 then
              inFlight[i].fraction = p.sample / p.samples
              if not p.path then observe("progress", { frame = n, client = i, sample = p.sample, samples = p.samples }) end
            end
            if not p.path then report(n, p.sample, p.samples) end
          end,
        })
        inFlight[i] = nil
        if ok then
          results[#results + 1] = result
          done = done + 1
          observe("done", { frame = n, client = i, path = result.path })
          report(n, nil, nil, result.path)
        elseif client.dead and not client.closed then
          failures[#failures + 1] = result
          local retry = attempts[n] < 2
          observe("failed", { frame = n, client = i, reason = tostring(result), retry = retry })
          if retry then
            tail = tail + 1
            queue[tail] = n  -- another client (or this one, restarted) renders it again
          end
          if not pcall(client.restart, client) then return end
        else
          observe("failed", { frame = n, client = i, reason = tostring(result), retry = false })
          error(result, 0)
        end
      end
    end
  end)
  if #results < total then
    error(format("BlenderClients:render_animation: %d of %d frames were not rendered; %s", total - #results, total,
      tostring(failures[#failures] or "every client died")), 3)
  end
  table.sort(results, function(a, b) return a.frame < b.frame end)
  return results
end

function BlenderClients:render_animation(options)
  options = BlenderClient._checkAnimation(options)
  local frames = self.clients[1]:animation_range(options)
  return renderQueue(self, frames, options)
end

function BlenderClients:render_frames(frames, options)
  if type(frames) ~= "table" then error("bad argument #1 to 'render_frames' (list of frames expected, got " .. type(frames) .. ")", 2) end
  return renderQueue(self, frames, options or {})
end

function BlenderClients:render_frame(n, options)
  return renderQueue(self, { n }, options or {})[1]
end

function BlenderClients:close()
  for _, client in ipairs(self.clients) do client:close() end
end

BlenderClients.__close = BlenderClients.close

function BlenderClients:__tostring()
  return format("BlenderClients(%d clients)", #self.clients)
end

return BlenderClients
