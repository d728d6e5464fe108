-- rscript.attribute_definitions.file: FileDef: paths of files or folders, checked against extensions. Part of rscript.attribute_definitions.

local fs = require("rscript.fs")
local S = require("rscript.attribute_definitions.support")
local A = require("rscript.attribute_definitions.abstract")

local type, ipairs, getmetatable = type, ipairs, getmetatable
local format, concat, sort = string.format, table.concat, table.sort
local fail, show, got, trim, isList, deepCopy, splitCommas = S.fail, S.show, S.got, S.trim, S.isList, S.deepCopy, S.splitCommas
local AbstractAttrDef, needText = A.AbstractAttrDef, A.needText

-- FileDef

-- The path an AYON file item ({directory =, filenames =, template =, is_sequence =}) stands for.
local function itemPaths(item, out)
  if type(item.directory) ~= "string" or type(item.filenames) ~= "table" then return end
  if item.is_sequence == true and type(item.template) == "string" then
    out[#out + 1] = fs.join(item.directory, item.template)
    return
  end
  for _, filename in ipairs(item.filenames) do
    if type(filename) == "string" then
      out[#out + 1] = item.directory == "" and filename or fs.join(item.directory, filename)
    end
  end
end

local function isSequencePattern(path)
  local base = path:match("([^/]*)$")
  return base:find("#") ~= nil or base:find("%%0?%d*d") ~= nil
end

--- A path (or a list of paths without `single_item`). `extensions` limits files to those
--- endings ({} takes any file); `folders` allows folders (by default only when no extensions
--- are given); `allow_sequences` allows frame patterns such as `shot.####.exr`.
local FileDef = AbstractAttrDef:extend("FileDef")
FileDef.type = "path"
FileDef.options = {
  default = "paths", single_item = "boolean", folders = "boolean", extensions = "strings",
  allow_sequences = "boolean", extensions_label = "string",
}
FileDef.type_attributes = { "single_item", "folders", "extensions", "allow_sequences", "extensions_label" }

function FileDef:setup(opts)
  local name = getmetatable(self).name
  if opts.is_label_horizontal == nil then self.is_label_horizontal = false end
  if opts.single_item == nil then self.single_item = true else self.single_item = opts.single_item end
  if opts.allow_sequences == nil then self.allow_sequences = true else self.allow_sequences = opts.allow_sequences end
  local extensions, seen = {}, {}
  for _, ext in ipairs(opts.extensions or {}) do
    ext = trim(ext):lower()
    if ext:sub(1, 1) ~= "." then ext = "." .. ext end
    if ext == "." then fail(format("%s: option 'extensions' has an empty extension", name)) end
    if not seen[ext] then seen[ext] = true; extensions[#extensions + 1] = ext end
  end
  sort(extensions)
  self.extensions = extensions
  if opts.folders == nil then self.folders = #extensions == 0 else self.folders = opts.folders end
  self.extensions_label = opts.extensions_label

  local default = opts.default
  if self.single_item then
    if default == nil then default = "" end
    if type(default) ~= "string" then
      fail(format("%s: option 'default' must be a path (single_item), got %s", name, got(default)))
    end
  else
    if default == nil then default = {} end
    if type(default) ~= "table" then
      fail(format("%s: option 'default' must be a list of paths (single_item = false), got %s", name, got(default)))
    end
    default = deepCopy(default)
  end
  local ok, reason = FileDef.is_value_valid(self, default)
  if not ok then fail(format("%s: option 'default' is invalid: %s", name, reason)) end
  self.default = default
end

function FileDef:_extensionList()
  return concat(self.extensions, ", ")
end

-- Whether one path is allowed; the reason when not.
function FileDef:_checkPath(path)
  if type(path) ~= "string" then return false, "expected a path, got " .. got(path) end
  if path == "" then return false, "the path is empty" end
  if not self.allow_sequences and isSequencePattern(path) then
    return false, show(path) .. " is a frame sequence, but the attribute takes single files"
  end
  local base = path:match("([^/]*)/*$")
  local folder = path:sub(-1) == "/" or fs.isdir(path)
  if folder then
    if self.folders then return true end
    return false, show(path) .. " is a folder, but the attribute takes files"
  end
  if #self.extensions == 0 then return true end
  local lower = base:lower()
  for _, ext in ipairs(self.extensions) do
    if #lower > #ext and lower:sub(-#ext) == ext then return true end
  end
  if not base:find(".", 2, true) then
    -- no extension: a folder that does not exist yet, as AYON reads it
    if self.folders then return true end
    return false, format("%s has no extension; expected %s", show(path), self:_extensionList())
  end
  return false, format("%s does not end with %s%s", show(path), #self.extensions > 1 and "one of " or "",
    self:_extensionList())
end

function FileDef:is_value_valid(value)
  if self.single_item then
    if type(value) ~= "string" then return false, "expected a path, got " .. got(value) end
    if value == "" then return true end -- no path chosen
    return self:_checkPath(value)
  end
  if not isList(value) then return false, "expected a list of paths, got " .. got(value) end
  for _, path in ipairs(value) do
    local ok, reason = self:_checkPath(path)
    if not ok then return false, reason end
  end
  return true
end

--- Paths (trimmed), lists of paths and AYON file items ({directory =, filenames = ...}): the
--- first path with `single_item`, else the list. Anything else gives the default.
function FileDef:convert_value(value)
  local paths = {}
  if type(value) == "string" then
    paths[1] = trim(value)
  elseif type(value) == "table" then
    if value.directory ~= nil then
      itemPaths(value, paths)
    else
      for _, item in ipairs(value) do
        if type(item) == "string" then
          paths[#paths + 1] = trim(item)
        elseif type(item) == "table" then
          itemPaths(item, paths)
        end
      end
    end
  else
    return deepCopy(self.default)
  end
  if self.single_item then
    return paths[1] or self.default
  end
  return paths
end

--- A path (trimmed); without `single_item` comma-separated paths.
function FileDef:parse_text(text)
  local word = needText(self, text)
  if self.single_item then return self:validate(word) end
  return self:validate(splitCommas(word))
end

return {
  FileDef = FileDef,
}
