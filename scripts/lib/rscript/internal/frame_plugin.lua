-- rscript/internal/frame_plugin.lua: INTERNAL to the runtime, not a module to require.
-- The glue FramePlugin (Swift) calls for the chunk side of a background-renderer class (loaded as
-- the chunk "frame renderer"): returns a table of functions that do the Lua side of each call.
local M = {}

function M.supports(Class)
  return type(Class.chunkCommand) == "function"
end

function M.new(Class, workDir, id, scene)
  local r = Class()
  rawset(r, "workDir", workDir)
  rawset(r, "_lopnet_path", scene)
  rawset(r, "itemId", id)
  rawset(r, "_item_id", id)
  return r
end

local function word(v, i)
  local t = math.type(v)
  if t == "integer" then return tostring(v) end
  if t == "float" then
    if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", v) end
    return tostring(v)
  end
  if type(v) == "string" then return v end
  error(string.format("chunkCommand: argument %d must be a string or a number, got %s", i, type(v)), 0)
end

function M.command(r, scene, chunk, output, options)
  local configured = r:getConfigOptions(options.plugin)
  if configured ~= nil then options.plugin = configured end
  local spec = r:chunkCommand(scene, chunk, output, options)
  if type(spec) ~= "table" or spec[1] == nil then
    error("chunkCommand must return a command table { program, args..., cwd=, env= }, got " .. type(spec), 0)
  end
  local argv = {}
  for i, v in ipairs(spec) do argv[i] = word(v, i) end
  local env
  if spec.env ~= nil then
    if type(spec.env) ~= "table" then error("chunkCommand: env must be a table", 0) end
    env = {}
    for k, v in pairs(spec.env) do env[tostring(k)] = word(v, k) end
  end
  if spec.cwd ~= nil and type(spec.cwd) ~= "string" then error("chunkCommand: cwd must be a string", 0) end
  return { argv = argv, cwd = spec.cwd, env = env }
end

---@param r BackgroundRenderer
---@param lines string[]
---@return FrameProgress[]
function M.parse(r, lines)
  local events = {}
  local parse = r.parseChunkProgress
  if parse == nil then return events end
  for i = 1, #lines do
    local e = parse(r, lines[i])
    if e ~= nil then
      if type(e) ~= "table" then
        error("parseChunkProgress must return nil or a table, got " .. type(e), 0)
      end
      if e[1] ~= nil then
        for _, x in ipairs(e) do events[#events + 1] = x end
      else
        events[#events + 1] = e
      end
    end
  end
  return events
end

function M.defaultFramePath(output, frame)
  local path, n = output:gsub("#+", function(hashes)
    return string.format("%0" .. #hashes .. "d", frame)
  end, 1)
  if n == 0 then path = path .. string.format("%04d", frame) end
  return path .. ".png"
end

function M.framePath(r, output, frame)
  if r.framePath ~= nil then return r:framePath(output, frame) end
  return M.defaultFramePath(output, frame)
end

function M.startupSeconds(r)
  if r.chunkStartupSeconds ~= nil then return tonumber(r:chunkStartupSeconds()) end
  return nil
end

return M
