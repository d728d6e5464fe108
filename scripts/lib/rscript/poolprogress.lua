-- rscript.poolprogress: progress bars for the futures of a worker pool, as the seed's
-- PoolProgress: a total bar plus a bar per running task, each with an ETA. The fractions and
-- messages come from `client:progress(fraction, message)` in the task scripts.
--
--   local progress = PoolProgress.new(pool, { total = #frames })
--   for _, frame in ipairs(frames) do
--     progress:add(pool:apply_async("render.lua", { frame }), "frame " .. frame)
--   end
--   local results = progress:wait()   -- suspends (never spins); raises if a task failed
--
-- On a terminal the bars are redrawn in place (ANSI, at most `interval` apart, 0.1 s by
-- default); otherwise plain lines are printed as tasks move on.

local Pool = require("rscript.pool")
local time = require("rscript.time")

local floor, max, min, format, rep = math.floor, math.max, math.min, string.format, string.rep

---@class PoolProgress
local PoolProgress = {}
PoolProgress.__index = PoolProgress
PoolProgress.__name = "PoolProgress"

local function clock(seconds)
  if seconds == nil or seconds ~= seconds or seconds == math.huge then return "--:--" end
  if seconds < 10 then return format("%.1fs", seconds) end
  seconds = floor(seconds + 0.5)
  if seconds >= 3600 then
    return format("%d:%02d:%02d", seconds // 3600, seconds % 3600 // 60, seconds % 60)
  end
  return format("%d:%02d", seconds // 60, seconds % 60)
end

local function eta(elapsed, fraction)
  if fraction <= 0 or elapsed <= 0 then return nil end
  if fraction >= 1 then return 0 end
  return elapsed * (1 - fraction) / fraction
end

local function bar(fraction, width)
  local filled = floor(fraction * width + 0.5)
  return rep("█", filled) .. rep("░", width - filled)
end

-- Cuts `text` to `columns` characters (UTF-8 aware), so a line never wraps and redrawing in
-- place stays right.
local function fit(text, columns)
  if utf8.len(text) == nil or utf8.len(text) <= columns then return text end
  return text:sub(1, utf8.offset(text, columns + 1) - 1)
end

-- Under --safe there is no `io`: the default stream prints whole lines with `print`, and the
-- display uses plain lines (redrawing in place needs a stream that writes without a newline).
local function linePrinter()
  local pending = ""
  return {
    write = function(_, ...)
      pending = pending .. table.concat({ ... })
      for line in pending:gmatch("(.-)\n") do print(line) end
      pending = pending:match("[^\n]*$")
    end,
    flush = function() end,
  }
end

--- Makes a progress display for `pool`'s futures.
--- Options: `total` (how many futures will be added; default: as many as are added),
--- `title` ("total"), `interval` (seconds between redraws, 0.1), `tty` (force bars on or off;
--- default: whether stdout is a terminal), `stream` (io.stdout; under --safe, plain lines through
--- `print`), `width` (columns; default:
--- the terminal's), `fail_fast` (raise at the first failure and cancel the queued futures,
--- rather than when all are done).
---@param pool Pool|nil
---@param options table|nil
---@return PoolProgress
function PoolProgress.new(pool, options)
  if options == nil and type(pool) == "table" and getmetatable(pool) ~= Pool then
    pool, options = nil, pool
  end
  if pool ~= nil and getmetatable(pool) ~= Pool then
    error("bad argument #1 to 'PoolProgress.new' (a Pool expected, got " .. type(pool) .. ")", 2)
  end
  options = options or {}
  if type(options) ~= "table" then
    error("bad argument #2 to 'PoolProgress.new' (table of options expected, got " .. type(options) .. ")", 2)
  end
  for key in pairs(options) do
    if not ({ total = 1, title = 1, interval = 1, tty = 1, stream = 1, width = 1, fail_fast = 1 })[key] then
      error("PoolProgress.new: unknown option '" .. tostring(key) .. "'", 2)
    end
  end
  if options.total ~= nil and (math.type(options.total) ~= "integer" or options.total < 0) then
    error("PoolProgress.new: total must be an integer >= 0, got " .. tostring(options.total), 2)
  end
  if options.interval ~= nil and (type(options.interval) ~= "number" or options.interval <= 0) then
    error("PoolProgress.new: interval must be a number of seconds > 0", 2)
  end
  local isTerminal, columns = Pool._terminal()
  local tty = options.tty
  if tty == nil then tty = isTerminal and options.stream == nil and io ~= nil end
  return setmetatable({
    pool = pool,
    total = options.total,
    title = options.title or "total",
    interval = options.interval or 0.1,
    plainInterval = 1,  -- plain mode: seconds between two lines of one task
    tty = tty,
    stream = options.stream or (io and io.stdout) or linePrinter(),
    columns = options.width or columns,
    fail_fast = options.fail_fast or false,
    entries = {},
    started = time.monotonic(),
    drawn = 0,     -- bar lines on screen below the permanent output (tty)
    lastDraw = -math.huge,
  }, PoolProgress)
end

-- A future of rscript.pool, or of another pool with the same methods (rscript.blender's).
local function isFuture(future)
  local mt = getmetatable(future)
  return mt == Pool.Future or (type(mt) == "table" and mt.__name == "BlenderFuture") or (type(mt) == "table" and mt.__name == "PoolProgressTask")
end

--- Tracks `future` (from `pool:apply_async`) under `label`; returns the future.
---@param future PoolFuture
---@param label string|nil
---@return PoolFuture
function PoolProgress:add(future, label)
  if not isFuture(future) then
    error("bad argument #1 to 'add' (a future from pool:apply_async expected, got " .. type(future) .. ")", 2)
  end
  local n = #self.entries + 1
  self.entries[n] = {
    future = future,
    label = label and tostring(label) or ("task " .. n),
    reported = false,     -- its end was printed
    shownPercent = -1,    -- plain mode: the last percentage printed
    shownMessage = nil,
  }
  return future
end

-- The counts and the overall fraction: done (succeeded), failed, and the sum of fractions.
function PoolProgress:_tally()
  local done, failed, running, work = 0, 0, 0, 0
  for _, entry in ipairs(self.entries) do
    local status = entry.future:status()
    if status == "done" then
      done = done + 1
      work = work + 1
    elseif status == "failed" or status == "cancelled" then
      failed = failed + 1
      work = work + 1
    else
      if status == "running" then running = running + 1 end
      work = work + entry.future:progress()
    end
  end
  local total = max(self.total or 0, #self.entries)
  return done, failed, running, work, total
end

function PoolProgress:_totalLine()
  local done, failed, running, work, total = self:_tally()
  local fraction = total > 0 and min(1, work / total) or 1
  local elapsed = time.monotonic() - self.started
  local left = eta(elapsed, fraction)
  local text = format("%s %3d%% %d/%d done", self.title, floor(fraction * 100), done, total)
  if failed > 0 then text = text .. format(", %d failed", failed) end
  if running > 0 then text = text .. format(", %d running", running) end
  text = text .. format("  elapsed %s  ETA %s", clock(elapsed), left and clock(left) or "--:--")
  return text, fraction
end

local function taskLine(entry)
  local info = entry.future:info()
  local fraction = info.fraction or 0
  local text = format("%3d%% %s", floor(fraction * 100), entry.label)
  if info.worker then text = text .. format(" (worker %d)", info.worker) end
  if info.message then text = text .. ": " .. info.message end
  if info.status == "running" then
    local left = eta(info.elapsed or 0, fraction)
    text = text .. "  ETA " .. (left and clock(left) or "--:--")
  end
  return text, fraction, info
end

local function endLine(entry, info)
  local status = info.status
  if status == "done" then
    return format("%s: done in %s", entry.label, clock(info.elapsed))
  elseif status == "cancelled" then
    return format("%s: cancelled", entry.label)
  end
  local message = tostring(info.error or "failed"):match("^[^\n]*")
  return format("%s: FAILED: %s", entry.label, message)
end

-- Terminal: permanent lines for tasks that ended, then the total bar and one bar per running
-- task, redrawn in place.
function PoolProgress:_drawTTY(final)
  local columns = max(20, self.columns or 80) - 1
  local barWidth = max(10, min(30, columns // 4))
  local out = {}
  if self.drawn > 0 then out[#out + 1] = "\r\27[" .. self.drawn .. "A" end
  for _, entry in ipairs(self.entries) do
    if not entry.reported and entry.future:ready() then
      entry.reported = true
      out[#out + 1] = "\27[2K" .. fit(endLine(entry, entry.future:info()), columns) .. "\n"
    end
  end
  local lines = {}
  local totalText, totalFraction = self:_totalLine()
  lines[1] = bar(totalFraction, barWidth) .. " " .. totalText
  if not final then
    for _, entry in ipairs(self.entries) do
      if entry.future:status() == "running" then
        local text, fraction = taskLine(entry)
        lines[#lines + 1] = "  " .. bar(fraction, barWidth) .. " " .. text
      end
    end
  end
  for _, line in ipairs(lines) do out[#out + 1] = "\27[2K" .. fit(line, columns) .. "\n" end
  -- clear what is left of a taller previous drawing, then come back up
  local extra = self.drawn - #lines
  if extra > 0 then
    out[#out + 1] = rep("\27[2K\n", extra)
    out[#out + 1] = "\27[" .. extra .. "A"
  end
  self.drawn = final and 0 or #lines
  self.stream:write(table.concat(out))
  self.stream:flush()
end

-- Not a terminal: a line when a task first reports progress, then at most one a second while
-- its message changes or it moves 10 points; a line when it ends, with the total.
function PoolProgress:_drawPlain(final)
  local out = {}
  for _, entry in ipairs(self.entries) do
    local future = entry.future
    if not entry.reported then
      if future:ready() then
        entry.reported = true
        local totalText = self:_totalLine()
        out[#out + 1] = endLine(entry, future:info()) .. " [" .. totalText .. "]"
      elseif future:status() == "running" then
        local text, fraction, info = taskLine(entry)
        local percent = floor(fraction * 100)
        local now = time.monotonic()
        local moved = info.message ~= entry.shownMessage or percent >= entry.shownPercent + 10
        if moved and (info.updates or 0) > 0 and now - (entry.shownAt or -math.huge) >= self.plainInterval then
          entry.shownMessage, entry.shownPercent, entry.shownAt = info.message, percent, now
          out[#out + 1] = text
        end
      end
    end
  end
  if final then out[#out + 1] = (self:_totalLine()) end
  if #out > 0 then
    self.stream:write(table.concat(out, "\n"), "\n")
    self.stream:flush()
  end
end

---------------------------------------------------------------- visionsim's add_task

-- A task the caller advances itself (visionsim's `progress.add_task`): it is its own future.
-- Calling it, `tick{completed =, total =, advance =}`, is `progress:update(tick, {...})`, so it
-- can be passed as an `update_fn`. A pool that gets it among a task's arguments binds it to
-- the task's future: it then ends (done or failed) with that future, whatever it was told.
local Task = {}
Task.__index = Task
Task.__name = "PoolProgressTask"
PoolProgress.Task = Task

function Task:status()
  local bound = self._future
  if bound and bound:ready() then return bound:status() end
  if self.total and self.completed >= self.total and self.total > 0 then return "done" end
  if self._updates > 0 or (bound and bound:status() == "running") then return "running" end
  return "queued"
end
function Task:ready() local s = self:status() return s == "done" or s == "failed" or s == "cancelled" end
function Task:progress()
  if self:status() == "done" then return 1 end
  if not self.total or self.total <= 0 then return 0 end
  return min(1, max(0, self.completed / self.total))
end
function Task:info()
  local bound = self._future and self._future:info() or {}
  return {
    status = self:status(), fraction = self:progress(), message = self.message, worker = bound.worker,
    error = bound.error, updates = self._updates, elapsed = self._started and (time.monotonic() - self._started) or bound.elapsed,
  }
end
function Task:get() return self._future and self._future:get() or null end
function Task:cancel() return self._future and self._future:cancel() or false end
function Task:_bind(future) self._future = future end
function Task:__call(fields) return self._progress:update(self, fields) end

local taskFields = { completed = 1, total = 1, advance = 1, description = 1, message = 1, visible = 1 }

--- Adds a task advanced by `progress:update(id, {completed =, total =})` (visionsim's
--- `add_task`); returns its id, which can also be called as an `update_fn`.
---@param label string
---@param total number|nil
---@return PoolProgressTask
function PoolProgress:add_task(label, total)
  if type(label) ~= "string" then error("bad argument #1 to 'add_task' (label string expected, got " .. type(label) .. ")", 2) end
  if total ~= nil and (type(total) ~= "number" or total < 0) then error("bad argument #2 to 'add_task' (a number >= 0 expected)", 2) end
  local id = setmetatable({ _progress = self, completed = 0, total = total, _updates = 0 }, Task)
  self:add(id, label)
  return id
end

--- Draws the current state once (wait() does this by itself). With a task id from `add_task`
--- and a table, advances that task instead: `{completed =, total =, advance =, message =}`.
---@param final boolean|PoolProgressTask|nil
---@param fields table|nil
function PoolProgress:update(final, fields)
  if getmetatable(final) == Task then
    if type(fields) ~= "table" then error("bad argument #2 to 'update' (table {completed =, total =} expected, got " .. type(fields) .. ")", 2) end
    for key in pairs(fields) do
      if not taskFields[key] then
        -- render progress tables ({frame, done, sample, ...}) pass through: only these count
        if type(key) ~= "string" then error("update: unknown field " .. tostring(key), 2) end
      end
    end
    local id = final
    if fields.total ~= nil then id.total = tonumber(fields.total) end
    if fields.completed ~= nil then id.completed = tonumber(fields.completed) or id.completed end
    if fields.advance ~= nil then id.completed = id.completed + (tonumber(fields.advance) or 0) end
    if fields.message ~= nil or fields.description ~= nil then id.message = tostring(fields.message or fields.description) end
    id._updates = id._updates + 1
    id._started = id._started or time.monotonic()
    return
  end
  self.lastDraw = time.monotonic()
  if self.tty then self:_drawTTY(final) else self:_drawPlain(final) end
end

local function firstFailure(self)
  local first, count = nil, 0
  for _, entry in ipairs(self.entries) do
    if entry.future:status() == "failed" then
      count = count + 1
      first = first or entry
    end
  end
  return first, count
end

--- Suspends until every future is done, redrawing as they progress; returns their results in
--- the order they were added. If a task failed, raises its error (message and traceback)
--- once all are done (at once with `fail_fast`, cancelling the futures still queued).
---@return any[]
function PoolProgress:wait()
  while true do
    local pending = {}
    for _, entry in ipairs(self.entries) do
      if not entry.future:ready() then pending[#pending + 1] = entry.future end
    end
    if #pending == 0 then break end
    if self.fail_fast and firstFailure(self) then
      for _, future in ipairs(pending) do future:cancel() end
      break
    end
    local now = time.monotonic()
    if now - self.lastDraw >= self.interval then self:update(false) end
    -- Wakes when a future ends, or for the next redraw: never a busy loop.
    local timeout = max(0.001, self.interval - (time.monotonic() - self.lastDraw))
    local kind = getmetatable(pending[1])
    for _, future in ipairs(pending) do
      if getmetatable(future) ~= kind then kind = nil break end
    end
    if kind == Pool.Future then
      Pool.wait_any(pending, timeout)
    elseif kind and kind.wait_any then
      kind.wait_any(pending, timeout)
    else
      time.sleep(timeout)
    end
  end
  self:update(true)
  local first, count = firstFailure(self)
  if first then
    local others = count > 1 and format(" (and %d other%s)", count - 1, count > 2 and "s" or "") or ""
    error(format("%s failed%s: %s", first.label, others, first.future:info().error), 2)
  end
  local results = {}
  for i, entry in ipairs(self.entries) do
    if entry.future:status() == "done" then
      local value = entry.future:get()
      if value == nil then value = null end
      results[i] = value
    else
      results[i] = null
    end
  end
  return results
end

-- `local progress <close> = PoolProgress.new()`, as visionsim's `with PoolProgress() as progress`.
function PoolProgress:__close() end

-- `local progress <close> = PoolProgress.new()`, as visionsim's `with PoolProgress() as progress`.
function PoolProgress:__close() end

return PoolProgress
