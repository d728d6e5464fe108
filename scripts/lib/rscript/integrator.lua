-- Versioned integration of published files: `require("rscript.integrator")`.
--
-- An instance's representations (the files its extractors wrote, AYON style) are copied into a
-- version folder laid out by a path template such as
-- `{root}/{project}/{asset}/publish/{family}/{subset}/v{version:0>3}/{asset}_{subset}_v{version:0>3}.{ext}`,
-- with the version's metadata as `version.json` beside them. The copy is a transaction: the files
-- go into a hidden staging folder next to the version folder, which is renamed into place once
-- everything is there; a failure removes the staging folder and leaves no partial version.
local fs = require("rscript.fs")
local json = require("rscript.json")
local rs = require("rscript")

local integrator = {}

--- The template used when neither the caller, `context.data.publish_template` nor the
--- `RSCRIPT_PUBLISH_TEMPLATE` environment variable gives one.
integrator.DEFAULT_TEMPLATE =
  "{root}/{project}/{asset}/publish/{family}/{subset}/v{version:0>3}/{asset}_{subset}_v{version:0>3}.{ext}"

--- The name of the metadata file written at the top of every version folder.
integrator.METADATA_NAME = "version.json"

--- How many times a publish picks a newer version when concurrent publishes keep taking it.
integrator.MAX_ATTEMPTS = 20

local function isnull(v) return v == nil or rs.isNull(v) end

-- --safe hides the environment (os.getenv is gone): every variable reads as unset.
local getenv = os.getenv or function() return nil end

local function argcheck(fname, name, value, expected, position)
  if type(value) ~= expected then
    error(string.format("%s: argument '%s' must be a %s, got %s", fname, name, expected, type(value)), position or 3)
  end
end

-- Template parsing ---------------------------------------------------------------------------

-- The template as a list of pieces: strings (literal text) and fields { key = ..., spec = ... }.
-- Parsed templates are cached: the same few templates are rendered for every file.
local parseCache = {}

local function parse(template)
  local cached = parseCache[template]
  if cached then return cached end
  local pieces, literal, i, n = {}, {}, 1, #template
  local function flush()
    if #literal > 0 then pieces[#pieces + 1] = table.concat(literal); literal = {} end
  end
  while i <= n do
    local c = template:sub(i, i)
    if c == "{" then
      if template:sub(i + 1, i + 1) == "{" then
        literal[#literal + 1] = "{"; i = i + 2
      else
        local close = template:find("}", i + 1, true)
        if not close then
          error(string.format("integrator: unclosed '{' at position %d in '%s'", i, template), 0)
        end
        local body = template:sub(i + 1, close - 1)
        if body:find("{", 1, true) then
          error(string.format("integrator: nested '{' in field '{%s}' in '%s'", body, template), 0)
        end
        local key, spec = body:match("^([^:]*):(.*)$")
        if not key then key, spec = body, "" end
        if not key:match("^[%a_][%w_%.]*$") then
          error(string.format("integrator: bad template field '{%s}' in '%s'", body, template), 0)
        end
        flush()
        pieces[#pieces + 1] = { key = key, spec = spec }
        i = close + 1
      end
    elseif c == "}" then
      if template:sub(i + 1, i + 1) == "}" then
        literal[#literal + 1] = "}"; i = i + 2
      else
        error(string.format("integrator: single '}' at position %d in '%s'", i, template), 0)
      end
    else
      local stop = template:find("[{}]", i) or n + 1
      literal[#literal + 1] = template:sub(i, stop - 1)
      i = stop
    end
  end
  flush()
  parseCache[template] = pieces
  return pieces
end

-- Whether `template` has a field named `key`.
local function hasField(template, key)
  for _, piece in ipairs(parse(template)) do
    if type(piece) == "table" and piece.key == key then return true end
  end
  return false
end

-- A format spec, Python style: [[fill]align][sign][0][width][.precision][type], type d, s or f.
local function parseSpec(spec, key, template)
  local fill, align, rest
  local c1, c2 = spec:sub(1, 1), spec:sub(2, 2)
  if c2 ~= "" and c2:find("^[<>%^=]$") then
    fill, align, rest = c1, c2, spec:sub(3)
  elseif c1 ~= "" and c1:find("^[<>%^=]$") then
    align, rest = c1, spec:sub(2)
  else
    rest = spec
  end
  local sign, zero, width, precision, kind = rest:match("^([+%- ]?)(0?)(%d*)(%.?%d*)([dsf]?)$")
  if not sign or precision == "." then
    error(string.format("integrator: bad format spec '%s' for key '%s' in '%s'", spec, key, template), 0)
  end
  return {
    fill = fill, align = align, sign = sign, zero = zero == "0",
    width = tonumber(width) or 0,
    precision = precision ~= "" and tonumber(precision:sub(2)) or nil,
    kind = kind,
  }
end

local function textLength(s) return utf8.len(s) or #s end

local function pad(text, width, fill, align, signLength)
  local missing = width - textLength(text)
  if missing <= 0 then return text end
  if align == "<" then return text .. fill:rep(missing)
  elseif align == ">" then return fill:rep(missing) .. text
  elseif align == "^" then
    local left = missing // 2
    return fill:rep(left) .. text .. fill:rep(missing - left)
  else -- "=": padding between the sign and the digits
    return text:sub(1, signLength) .. fill:rep(missing) .. text:sub(signLength + 1)
  end
end

local function formatValue(value, spec, key, template)
  local function bad(what)
    error(string.format("integrator: template key '%s' %s for '{%s:%s}' in '%s'", key, what, key, spec, template), 0)
  end
  local s = parseSpec(spec, key, template)
  if type(value) == "table" then bad("is a table, not text or a number") end
  local number
  if s.kind == "d" then
    number = math.tointeger(value) or (type(value) == "string" and math.tointeger(tonumber(value:match("^[+-]?%d+$") or "")))
    if not number then bad(string.format("needs a whole number, got '%s'", tostring(value))) end
  elseif s.kind == "f" then
    number = tonumber(value)
    if not number then bad(string.format("needs a number, got '%s'", tostring(value))) end
  elseif type(value) == "number" and s.kind == "" then
    number = value
  end
  local text, signLength = nil, 0
  if number then
    if s.kind == "f" then
      text = string.format("%." .. (s.precision or 6) .. "f", number)
    elseif math.type(number) == "integer" then
      text = string.format("%d", number)
    elseif s.precision then
      text = string.format("%." .. s.precision .. "g", number)
    else
      text = tostring(number)
    end
    if text:sub(1, 1) == "-" then signLength = 1
    elseif s.sign == "+" then text, signLength = "+" .. text, 1
    elseif s.sign == " " then text, signLength = " " .. text, 1 end
  else
    if s.sign ~= "" then bad("is text, which takes no sign") end
    text = tostring(value)
    if s.precision then text = text:sub(1, utf8.offset(text, s.precision + 1) and utf8.offset(text, s.precision + 1) - 1 or #text) end
  end
  local fill, align = s.fill or " ", s.align
  if not align then
    if s.zero then fill, align = "0", number and "=" or "<"
    else align = number and ">" or "<" end
  elseif s.zero and not s.fill then
    fill = "0"
  end
  if align == "=" and not number then bad("is text, which cannot be '=' aligned") end
  return pad(text, s.width, fill, align, signLength)
end

local function lookup(values, key)
  local value = values[key]
  if value == nil and key:find(".", 1, true) then
    value = values
    for part in key:gmatch("[^%.]+") do
      if type(value) ~= "table" then return nil end
      value = value[part]
    end
  end
  return value
end

-- Renders `template`; `markers[key]`, when given, is written as is instead of the key's value.
-- Errors name `whole` (the full template, when `template` is a part of it).
local function render(template, values, markers, whole)
  whole = whole or template
  local out = {}
  for _, piece in ipairs(parse(template)) do
    if type(piece) == "string" then
      out[#out + 1] = piece
    elseif markers and markers[piece.key] then
      out[#out + 1] = markers[piece.key]
    else
      local value = lookup(values, piece.key)
      if isnull(value) then
        error(string.format("integrator: template key '%s' has no value in '%s'", piece.key, whole), 0)
      end
      out[#out + 1] = piece.spec == "" and type(value) == "string" and value
        or formatValue(value, piece.spec, piece.key, whole)
    end
  end
  return table.concat(out)
end

--- Fills `template` with `values`, as Python's `str.format` does for named fields: `{key}`,
--- `{key:spec}` with spec `[[fill]align][sign][0][width][.precision][type]` (align `<`, `>`, `^`,
--- `=`; type `d`, `s` or `f`), `{{` and `}}` for braces. `{a.b}` reads `values.a.b`.
--- A key without a value (nil or null) raises `integrator: template key 'asset' has no value in '<template>'`.
function integrator.format_template(template, values)
  argcheck("integrator.format_template", "template", template, "string")
  argcheck("integrator.format_template", "values", values, "table")
  local ok, result = pcall(render, template, values)
  if not ok then error(result, 2) end
  return result
end

--- The names of the fields used in `template`, in order, each once.
function integrator.template_keys(template)
  argcheck("integrator.template_keys", "template", template, "string")
  local keys, seen = {}, {}
  for _, piece in ipairs(parse(template)) do
    if type(piece) == "table" and not seen[piece.key] then
      seen[piece.key] = true; keys[#keys + 1] = piece.key
    end
  end
  return keys
end

--- The template to publish with: `context_data.publish_template`, else the environment variable
--- `RSCRIPT_PUBLISH_TEMPLATE`, else `fallback` (a plugin's `template`), else the default template.
function integrator.resolve_template(context_data, fallback)
  local function given(t) return type(t) == "string" and t ~= "" and t or nil end
  return given(type(context_data) == "table" and context_data.publish_template or nil)
    or given(getenv("RSCRIPT_PUBLISH_TEMPLATE"))
    or given(fallback)
    or integrator.DEFAULT_TEMPLATE
end

-- Versions ------------------------------------------------------------------------------------

-- Splits a template into its path components (on "/"); component i of the rendered path is
-- component i of the template rendered, so the version folder is found on the template itself.
local function components(template)
  local parts = {}
  for part in (template .. "/"):gmatch("(.-)/") do parts[#parts + 1] = part end
  return parts
end

local MARKER = "\0version\0"

-- Where the versions live: { parent = folder holding the versions, pattern = Lua pattern of a
-- version folder name capturing the number, index = the component, parts = all components }.
local function locateVersion(template, values)
  parse(template)  -- syntax errors name the whole template
  local parts = components(template)
  local index
  for i, part in ipairs(parts) do
    if hasField(part, "version") then index = i; break end
  end
  if not index then
    error(string.format("integrator: template has no {version} field: '%s'", template), 0)
  end
  if index == #parts then
    error(string.format(
      "integrator: template puts {version} only in the file name; it must name a folder (such as v{version:0>3}/) in '%s'",
      template), 0)
  end
  local rendered = {}
  for i = 1, index - 1 do rendered[i] = render(parts[i], values, nil, template) end
  local parent = table.concat(rendered, "/")
  if parent == "" then parent = index == 1 and "." or "/" end
  local name = render(parts[index], values, { version = MARKER }, template)
  if name:find("/", 1, true) then
    error(string.format("integrator: the version folder name '%s' contains '/' in '%s'", name:gsub("%z", ""), template), 0)
  end
  local patternParts = {}
  for literal in (name .. MARKER):gmatch("(.-)" .. MARKER:gsub("%z", "%%z")) do
    patternParts[#patternParts + 1] = (literal:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
  end
  return {
    parent = parent,
    pattern = "^" .. table.concat(patternParts, "(%d+)") .. "$",
    index = index,
    parts = parts,
    template = template,
  }
end

local function latestVersion(location)
  if not fs.isdir(location.parent) then return 0 end
  local latest = 0
  for _, entry in ipairs(fs.list(location.parent)) do
    local digits = entry:match(location.pattern)
    local number = digits and math.tointeger(tonumber(digits))
    if number and number > latest and fs.isdir(fs.join(location.parent, entry)) then latest = number end
  end
  return latest
end

--- The next version for `template` filled with `values` (which need no `version`): the folder
--- component holding `{version}` is found, its parent listed, and the highest version among the
--- folders whose names match that component is returned plus one (1 when there is none).
function integrator.next_version(template, values)
  argcheck("integrator.next_version", "template", template, "string")
  argcheck("integrator.next_version", "values", values, "table")
  local ok, result = pcall(function() return latestVersion(locateVersion(template, values)) + 1 end)
  if not ok then error(result, 2) end
  return result
end

-- Representations -----------------------------------------------------------------------------

-- The frame number of a sequence file name, as written (padding kept): the last run of digits
-- before the extension, such as "0001" in "beauty.0001.png" or "beauty_0001.png".
local function frameOf(name, ext)
  local stem
  if ext ~= "" and name:sub(-#ext - 1) == "." .. ext then stem = name:sub(1, -#ext - 2)
  else stem = name:match("^(.*)%.[^.]*$") or name end
  return stem:match("(%d+)$")
end

local function normalizeRepresentation(rep, index, label)
  if type(rep) ~= "table" then
    error(string.format("integrator: instance '%s' representation %d is a %s, not a table", label, index, type(rep)), 0)
  end
  local files = rep.files
  local single
  if type(files) == "string" then
    single, files = true, { files }
  elseif type(files) == "table" and #files > 0 then
    single = false
  else
    error(string.format("integrator: instance '%s' representation %s has no files", label,
      isnull(rep.name) and tostring(index) or "'" .. tostring(rep.name) .. "'"), 0)
  end
  local ext = not isnull(rep.ext) and tostring(rep.ext) or (tostring(files[1]):match("%.([^./]+)$") or "")
  ext = ext:gsub("^%.", "")
  local name = not isnull(rep.name) and tostring(rep.name) or (ext ~= "" and ext or tostring(index))
  local stagingDir = not isnull(rep.stagingDir) and tostring(rep.stagingDir) or nil
  local entries = {}
  for k, file in ipairs(files) do
    if type(file) ~= "string" or file == "" then
      error(string.format("integrator: representation '%s' file %d is not a file name", name, k), 0)
    end
    local source
    if file:sub(1, 1) == "/" then source = file
    elseif stagingDir then source = fs.join(stagingDir, file)
    else
      error(string.format("integrator: representation '%s' has no stagingDir for its file '%s'", name, file), 0)
    end
    entries[k] = { source = source, name = fs.basename(file) }
  end
  -- A list of files is a frame sequence; a list of one file without a frame number is one file.
  if not single and #entries == 1 and not frameOf(entries[1].name, ext) then single = true end
  if not single then
    for _, entry in ipairs(entries) do
      entry.frame = frameOf(entry.name, ext)
      if not entry.frame then
        error(string.format(
          "integrator: representation '%s' is a frame sequence but its file '%s' has no frame number (give one file as a string, not a list)",
          name, entry.name), 0)
      end
    end
  end
  return { name = name, ext = ext, entries = entries, sequence = not single, rep = rep }
end

local function insertBefore(template, needle, insertion)
  local at
  local start = 1
  while true do
    local found = template:find(needle, start, true)
    if not found then break end
    at, start = found, found + 1
  end
  if at then return template:sub(1, at - 1) .. insertion .. template:sub(at) end
  return nil
end

-- The template of the files of one representation below the version folder.
local function fileTemplate(location, rep, withRepresentation)
  local parts = location.parts
  local last = parts[#parts]
  if rep.sequence and not hasField(table.concat(parts, "/"), "frame") then
    last = insertBefore(last, ".{ext}", ".{frame}") or last .. ".{frame}"
  elseif not rep.sequence and hasField(last, "frame") then
    -- One file has no frame number: drop the field with the separator before it.
    last = last:gsub("[._-]?{frame}", ""):gsub("[._-]?{frame:[^}]*}", "")
  end
  if withRepresentation then
    last = insertBefore(last, ".{frame}", "_{representation}") or insertBefore(last, ".{ext}", "_{representation}")
      or last .. "_{representation}"
  end
  local tail = {}
  for i = location.index + 1, #parts - 1 do tail[#tail + 1] = parts[i] end
  tail[#tail + 1] = last
  return table.concat(tail, "/")
end

-- Every file's path relative to the version folder: { { source, relative, rep } ... }.
local function planFiles(location, reps, values, version, template)
  local hasRepresentation = hasField(template, "representation")
  local suffixed = {}
  for _ = 1, #reps + 1 do
    local plan, byPath, collision = {}, {}, nil
    for r, rep in ipairs(reps) do
      local tpl = fileTemplate(location, rep, suffixed[r])
      local fileValues = setmetatable({ version = version, ext = rep.ext, representation = rep.name }, { __index = values })
      for _, entry in ipairs(rep.entries) do
        fileValues.frame = entry.frame
        local relative = render(tpl, fileValues, nil, template)
        if relative == integrator.METADATA_NAME then
          error(string.format("integrator: representation '%s' would overwrite the metadata file '%s'", rep.name, relative), 0)
        end
        local previous = byPath[relative]
        if previous then
          if previous.rep == r then
            error(string.format("integrator: representation '%s' writes '%s' twice (from '%s' and '%s')",
              rep.name, relative, previous.source, entry.source), 0)
          end
          collision = collision or { previous.rep, r, relative }
        end
        byPath[relative] = { rep = r, source = entry.source }
        plan[#plan + 1] = { source = entry.source, relative = relative, rep = r }
      end
    end
    if not collision then return plan end
    local a, b, relative = collision[1], collision[2], collision[3]
    if hasRepresentation or (suffixed[a] and suffixed[b]) or reps[a].name == reps[b].name then
      error(string.format(
        "integrator: representations '%s' and '%s' would both write '%s'; give them different names or files",
        reps[a].name, reps[b].name, relative), 0)
    end
    suffixed[a], suffixed[b] = true, true
  end
  error("integrator: could not separate the representations' files", 0)
end

-- Transaction ---------------------------------------------------------------------------------

local function rethrow(err)
  if type(err) == "string" then error(err, 0) end
  error(err)
end

local function families(data)
  local list, seen = json.array({}), {}
  local function add(f)
    if type(f) == "string" and f ~= "" and not seen[f] then seen[f] = true; list[#list + 1] = f end
  end
  add(data.family)
  if type(data.families) == "table" then for _, f in ipairs(data.families) do add(f) end end
  return list
end

local function first(...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if not isnull(v) then return v end
  end
  return rs.null
end

local function frameRange(data, reps)
  local start, finish = first(data.frameStart), first(data.frameEnd)
  if not isnull(start) and not isnull(finish) then return start, finish end
  for _, rep in ipairs(reps) do
    if not isnull(rep.rep.frameStart) and not isnull(rep.rep.frameEnd) then
      return rep.rep.frameStart, rep.rep.frameEnd
    end
  end
  for _, rep in ipairs(reps) do
    if rep.sequence then
      local low, high
      for _, entry in ipairs(rep.entries) do
        local f = math.tointeger(tonumber(entry.frame))
        if f then low, high = math.min(low or f, f), math.max(high or f, f) end
      end
      if low then return low, high end
    end
  end
  return start, finish
end

local function metadata(data, context, reps, plan, version, template)
  local byRep = {}
  for r = 1, #reps do byRep[r] = json.array({}) end
  for _, item in ipairs(plan) do local list = byRep[item.rep]; list[#list + 1] = item.relative end
  local representations = json.array({})
  for r, rep in ipairs(reps) do
    representations[r] = {
      name = rep.name, ext = rep.ext, files = byRep[r],
      frameStart = first(rep.rep.frameStart), frameEnd = first(rep.rep.frameEnd),
    }
  end
  local frameStart, frameEnd = frameRange(data, reps)
  return {
    instance_id = first(data.instance_id, data.id),
    project = first(data.project, context.project),
    asset = first(data.asset, context.asset),
    task = first(data.task, context.task),
    family = first(data.family),
    families = families(data),
    subset = first(data.subset, data.name),
    variant = first(data.variant),
    version = version,
    time = os.date("!%Y-%m-%dT%H:%M:%SZ"),
    author = first(context.user, getenv("USER")),
    source = first(context.workfile),
    comment = first(data.comment, context.comment, ""),
    host = first(context.host),
    frameStart = frameStart,
    frameEnd = frameEnd,
    template = template,
    representations = representations,
  }
end

-- The values a template is filled with: the context's, then the instance's over them.
local function templateValues(data, context)
  local values = {}
  for _, source in ipairs({ context, data }) do
    for k, v in pairs(source) do
      if type(k) == "string" and not isnull(v) then values[k] = v end
    end
  end
  if isnull(values.subset) then values.subset = data.name end
  return values
end

-- One attempt at `version`: stage, write metadata, rename into place. Returns the result, or nil
-- when the version folder was taken meanwhile (the staging folder is then removed).
local function attempt(location, reps, values, data, context, version, template)
  local plan = planFiles(location, reps, values, version, template)
  local folderName = render(location.parts[location.index], setmetatable({ version = version }, { __index = values }),
    nil, location.template)
  local folder = fs.join(location.parent, folderName)
  if fs.exists(folder) then return nil end
  fs.mkdir(location.parent)
  local staging = fs.join(location.parent, "." .. folderName .. ".tmp-" .. rs.uuid())
  local ok, err = pcall(function()
    fs.mkdir(staging)
    local made = {}
    for _, item in ipairs(plan) do
      local target = fs.join(staging, item.relative)
      local dir = fs.dirname(target)
      if not made[dir] then fs.mkdir(dir); made[dir] = true end
      local copied, problem = pcall(fs.copy, item.source, target)
      if not copied then
        if type(problem) == "string" then
          error(string.format("integrator: representation '%s': %s", reps[item.rep].name, problem), 0)
        end
        error(problem)
      end
    end
    local meta = metadata(data, context, reps, plan, version, template)
    fs.write(fs.join(staging, integrator.METADATA_NAME), json.encode(meta, { pretty = true, sort_keys = true }) .. "\n")
    if fs.exists(folder) then return false end
    local renamed, problem = pcall(fs.rename, staging, folder)
    if renamed then return true end
    if fs.exists(folder) then return false end
    error(problem, 0)
  end)
  if not ok or not err then
    pcall(fs.rmtree, staging)
    if not ok then rethrow(err) end
    return nil
  end
  local files, representations = {}, {}
  for r, rep in ipairs(reps) do representations[r] = { name = rep.name, ext = rep.ext, files = {} } end
  for k, item in ipairs(plan) do
    local path = fs.abspath(fs.join(folder, item.relative))
    files[k] = path
    local list = representations[item.rep].files
    list[#list + 1] = path
  end
  return {
    version = version,
    folder = fs.abspath(folder),
    files = files,
    metadata = fs.abspath(fs.join(folder, integrator.METADATA_NAME)),
    representations = representations,
  }
end

--- Publishes an instance's representations as a new version. `instance_data` is the instance's
--- data (family, families, subset, asset, task, frameStart, frameEnd, representations, ...),
--- `context_data` the publish context's (root, project, asset, task, user, workfile, comment,
--- publish_template, ...). Options: `template` (wins over the context's and the environment's),
--- `version` (a fixed version, an error when it exists). Returns
--- `{ version, folder, files = {absolute paths}, metadata = path, representations = {{name, ext, files}} }`.
function integrator.integrate(instance_data, context_data, options)
  argcheck("integrator.integrate", "instance_data", instance_data, "table")
  if context_data == nil then context_data = {} end
  argcheck("integrator.integrate", "context_data", context_data, "table")
  if options == nil then options = {} end
  argcheck("integrator.integrate", "options", options, "table")
  local label = tostring(first(instance_data.subset, instance_data.name, instance_data.label, "?"))
  local ok, result = pcall(function()
    local reps = instance_data.representations
    if type(reps) ~= "table" or #reps == 0 then
      error(string.format("integrator: instance '%s' has no representations to integrate", label), 0)
    end
    local normalized = {}
    for i, rep in ipairs(reps) do normalized[i] = normalizeRepresentation(rep, i, label) end
    local template = options.template or integrator.resolve_template(context_data)
    local values = templateValues(instance_data, context_data)
    local location = locateVersion(template, values)
    local fixed = options.version ~= nil and math.tointeger(options.version) or nil
    if options.version ~= nil and (not fixed or fixed < 1) then
      error(string.format("integrator.integrate: option 'version' must be a positive integer, got %s", tostring(options.version)), 0)
    end
    local version = fixed or latestVersion(location) + 1
    for _ = 1, integrator.MAX_ATTEMPTS do
      local published = attempt(location, normalized, values, instance_data, context_data, version, template)
      if published then return published end
      if fixed then
        error(string.format("integrator: version %d of '%s' already exists in %s", fixed, label, location.parent), 0)
      end
      version = math.max(version + 1, latestVersion(location) + 1)
    end
    error(string.format("integrator: gave up on '%s' after %d attempts: other publishes kept taking the version",
      label, integrator.MAX_ATTEMPTS), 0)
  end)
  if not ok then
    if type(result) == "string" then error(result, 2) end
    error(result)
  end
  return result
end

return integrator
