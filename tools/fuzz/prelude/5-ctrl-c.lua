------------------------------------------------------------------ Ctrl-C

-- Ctrl-C must stop a script at the first press, whatever it is doing. `F.interrupt(kind)` has
-- a child send SIGINT to this process 0.1 s from now, then does `kind` of work, then loops
-- forever. A runtime that ignores the signal never exits, and the runner reports a hang.
local interruptWork = {
  loop = function() end,
  pcall = function() for _ = 1, 1e9 do pcall(error, "x") end end,
  sleep = function() F.mod("rscript.time").sleep(30) end,
  gsubsleep = function() string.gsub("a", "a", function() F.mod("rscript.time").sleep(30) end) end,
  tostring = function()
    -- a failed task nobody waits for is reported with tostring of its error object
    F.mod("rscript.task").spawn(function()
      error(setmetatable({}, { __tostring = function() while true do end end }))
    end)
    F.mod("rscript.time").sleep(30)
  end,
  wait = function()
    local p = F.mod("rscript.process").spawn({ "sleep", "30" })
    p:wait()
  end,
  gc = function()
    setmetatable({}, { __gc = function() while true do end end })
    collectgarbage()
  end,
}

function F.interrupt(kind)
  F.mod("rscript.process").spawn({ "sh", "-c", "sleep 0.1; kill -INT $PPID" })
  mark("interrupt " .. kind)
  pcall(interruptWork[kind] or interruptWork.loop)
  while true do end
end

