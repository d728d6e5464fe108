-- A job script that fails: the error comes back with this script's traceback.
local function check(frames)
  if frames > 3 then error("too many frames: " .. frames) end
end
check(passed_data.frames)
