-- A pool task: renders one frame of a POV-Ray animation into the staging folder as
-- `<name>.<frame:04>.png`. The frame is rendered as frame `frame` of `first`-`last`, so `clock`
-- and `frame_number` are what a whole-range render gives it.

local process = require("rscript.process")
local fs = require("rscript.fs")

return function(client, job)
  local work = fs.join(job.staging, string.format(".frame-%d", job.frame))
  fs.rmtree(work)
  fs.mkdir(work)
  client:progress(0, "frame " .. job.frame)
  local command = {
    os.getenv("RSCRIPT_POVRAY") or "povray",
    "+I" .. job.scene, "+L" .. fs.dirname(job.scene),
    "+W" .. job.width, "+H" .. job.height, "+FN", "-D",
    "+KFI" .. job.first, "+KFF" .. job.last, "+SF" .. job.frame, "+EF" .. job.frame,
    "+O" .. fs.join(work, "f_"),
    cwd = work,
  }
  local renderer = process.spawn(command)
  local code = renderer:wait()
  if code ~= 0 then
    error(string.format("povray failed on frame %d with exit code %s:\n%s", job.frame, tostring(code),
      table.concat(renderer:tail(20), "\n")), 0)
  end
  local produced
  for _, name in ipairs(fs.list(work)) do
    if name:match("%.png$") then produced = fs.join(work, name) end
  end
  if not produced then error(string.format("povray wrote no image for frame %d", job.frame), 0) end
  local file = string.format("%s.%04d.png", job.name, job.frame)
  fs.rename(produced, fs.join(job.staging, file))
  fs.rmtree(work)
  client:progress(1, "frame " .. job.frame .. " done")
  return { frame = job.frame, file = file }
end
