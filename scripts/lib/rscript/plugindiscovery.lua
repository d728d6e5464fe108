-- rscript.plugindiscovery: the one loader of plugin files: background renderers (called by the
-- runtime's renderer catalog), creators and publish plugins.
--
-- Plugin files live in folders named after their kind (`backgroundrenderers/`, `creators/`,
-- `publish/`) under each root of RSCRIPT_PLUGIN_PATH, where `&` stands for ~/.config/rscript
-- then the installation's scripts/plugins (`rscript.pluginFiles(kind)`); extra folders given by
-- the caller (`--plugins DIR`) come first. A file name seen earlier overrides the same name
-- later. Each file runs in its own environment, reading globals through to _G, and must itself
-- define the registration function (`registerBackgroundRenderers`, `registerCreators`,
-- `registerPublishPlugins`): it is looked up with rawget, so a global of the same name (the
-- running script's own `registerBackgroundRenderers`) is never called for a file that defines
-- none. A file that fails to load or register is reported as `file:line: message` and skipped,
-- and the others still load.

local rscript = require("rscript")
local fs = require("rscript.fs")

local discovery = {}

-- The .lua files of `folder`, sorted; none when the folder does not exist.
local function luaFilesIn(folder)
  if not fs.isdir(folder) then return {} end
  local files = {}
  for _, name in ipairs(fs.list(folder)) do
    if name:sub(-4) == ".lua" and name:sub(1, 1) ~= "." and fs.isfile(fs.join(folder, name)) then
      files[#files + 1] = name
    end
  end
  return files
end

--- The plugin files of `kind`, in load order: `extraFolders` first (a folder holding a `kind`
--- subfolder means that subfolder), then the standard search path. One file per name.
function discovery.files(kind, extraFolders)
  if type(kind) ~= "string" or kind == "" then
    error("plugindiscovery.files: argument 'kind' must be a folder name, got " .. type(kind), 2)
  end
  local seen, files = {}, {}
  for _, folder in ipairs(extraFolders or {}) do
    if type(folder) ~= "string" then
      error("plugindiscovery.files: extra folders must be strings, got " .. type(folder), 2)
    end
    if not fs.isdir(folder) then
      error(string.format("plugin folder %s does not exist", folder), 2)
    end
    local sub = fs.join(folder, kind)
    if fs.isdir(sub) then folder = sub end
    for _, name in ipairs(luaFilesIn(folder)) do
      if not seen[name] then
        seen[name] = true
        files[#files + 1] = fs.join(folder, name)
      end
    end
  end
  for _, path in ipairs(rscript.pluginFiles(kind)) do
    local name = fs.basename(path)
    if not seen[name] then
      seen[name] = true
      files[#files + 1] = path
    end
  end
  return files
end

-- Discovery reports one line per broken file: the message says where (`file:line:`).
local function messageOnly(err) return err end

-- "file:line: message" for an error raised while loading `file`. Lua shortens long chunk
-- names to "...tail" in its messages; the full path is put back.
local function describe(file, err)
  local message = tostring(err)
  if type(err) == "table" and err.message then message = tostring(err.message) end
  local source, line, rest = message:match("^(.-):(%d+): (.*)$")
  if source then
    if source == file then return message end
    if source:sub(1, 3) == "..." and file:sub(-(#source - 3)) == source:sub(4) then
      return string.format("%s:%s: %s", file, line, rest)
    end
  end
  return file .. ": " .. message
end

--- Loads every plugin file of `options.kind` and calls its `options.register` function with
--- the manager `options.manager(file)` returns. Returns `{ files = {...}, errors = {...} }`:
--- the files loaded and the `file:line: message` of each that failed.
function discovery.load(options)
  local kind, register, makeManager = options.kind, options.register, options.manager
  if type(register) ~= "string" then error("plugindiscovery.load: option 'register' must be a string", 2) end
  if type(makeManager) ~= "function" then error("plugindiscovery.load: option 'manager' must be a function", 2) end
  local result = { files = {}, errors = {} }
  for _, file in ipairs(discovery.files(kind, options.folders)) do
    local env = setmetatable({}, { __index = _G })
    -- fs.read and load rather than loadfile, which --safe removes; the chunk name is loadfile's.
    local read, text = pcall(fs.read, file)
    local chunk, loadError
    if read then
      -- as loadfile does, a first line starting with # (#!/usr/bin/env rscript) is skipped
      if text:sub(1, 1) == "#" then text = text:gsub("^[^\n]*", "", 1) end
      chunk, loadError = load(text, "@" .. file, "t", env)
    else
      loadError = text
    end
    if not chunk then
      result.errors[#result.errors + 1] = describe(file, loadError)
    else
      local ok, err = xpcall(chunk, messageOnly)
      if not ok then
        result.errors[#result.errors + 1] = describe(file, err)
      elseif type(rawget(env, register)) ~= "function" then
        result.errors[#result.errors + 1] = string.format("%s: defines no %s(manager)", file, register)
      else
        local registered, registerError = xpcall(rawget(env, register), messageOnly, makeManager(file))
        if registered then
          result.files[#result.files + 1] = file
        else
          result.errors[#result.errors + 1] = describe(file, registerError)
        end
      end
    end
  end
  return result
end

return discovery
