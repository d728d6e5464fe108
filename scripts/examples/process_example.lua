-- rscript.process: start programs, read their output as it comes, wait without blocking.
local process = require("rscript.process")
local task = require("rscript.task")
local time = require("rscript.time")

-- A "renderer" that prints progress with carriage returns, as real ones do.
local p = process.spawn{ "sh", "-c", 'for i in 25 50 75 100; do printf "Rendered %d%%\\r" $i; sleep 0.05; done; echo; echo done' }

-- Another task keeps running while we wait for the process.
local ticks = 0
local ticker = task.spawn(function()
  while p:poll() == nil do time.sleep(0.01) ticks = ticks + 1 end
end)

local progress = {}
while p:wait(0.06) == nil do
  for _, line in ipairs(p:readLines()) do progress[#progress + 1] = line end
end
for _, line in ipairs(p:readLines()) do progress[#progress + 1] = line end
ticker:wait()

print("exit code", p:poll())
print("progress lines", table.concat(progress, " | "))
print("log file", p.logPath)
assert(p:poll() == 0)
assert(progress[1] == "Rendered 25%" and progress[4] == "Rendered 100%")
assert(ticks > 0, "the other task ran while we waited")
