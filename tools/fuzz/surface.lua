-- Prints the Lua API surface that the fuzzer covers, one entry a line, read from the live
-- runtime rather than from a list kept by hand:
--
--   module <name>                         a module that loads
--   fn <module> <path>                    a function reachable from the module's table
--   alias <module> <path>                 another path to a function listed before
--   method @<Class> <name>                a method of a userdata class (read from a live handle)
--   get @<Class> <name> / set @<Class> <name>   its properties
--   sample <name>                         a handle the prelude can make
--
-- The modules are every `rscript*` entry of `package.preload` (the Swift modules) and the Lua
-- module names given as arguments (tools/fuzz/surface.py lists scripts/lib/rscript). Run after
-- the prelude, in a scratch folder: fuzz.py does both.

local names, swift = {}, {}
for name in pairs(package.preload) do
  swift[name] = true
  if name == "rscript" or name:sub(1, 8) == "rscript." then names[#names + 1] = name end
end
for _, name in ipairs({ ... }) do names[#names + 1] = name end
table.sort(names)

local seenFunctions = {}
local out = {}
local function emit(...) out[#out + 1] = table.concat({ ... }, " ") end

local function sortedKeys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

-- Functions reachable from `t` through string keys (raw), tables walked up to `depth` levels.
local function walk(module, t, prefix, depth, seen)
  if seen[t] then return end
  seen[t] = true
  for _, key in ipairs(sortedKeys(t)) do
    local v = rawget(t, key)
    local path = prefix == "" and key or (prefix .. "." .. key)
    if type(v) == "function" then
      if not seenFunctions[v] then
        seenFunctions[v] = true
        emit("fn", module, path)
      else
        emit("alias", module, path)
      end
    elseif type(v) == "table" and depth > 0 and key:sub(1, 2) ~= "__" and key ~= "super" then
      walk(module, v, path, depth - 1, seen)
    end
  end
end

-- A function re-exported by several modules is listed once, under the first module (by name).
local modules = {}
for _, name in ipairs(names) do
  local ok, m = pcall(require, name)
  if ok and type(m) == "table" then
    emit("module", name, swift[name] and "swift" or "lua")
    modules[#modules + 1] = { name, m }
  elseif ok then
    emit("module", name, swift[name] and "swift" or "lua")
  else
    emit("loaderror", name, (tostring(m):gsub("%s+", " ")))
  end
end
for _, entry in ipairs(modules) do walk(entry[1], entry[2], "", 3, {}) end

-- Userdata classes: their methods and properties, from the metatable of a live handle.
local classes = {}
for _, sample in ipairs(F.sampleNames()) do
  emit("sample", sample)
  local handle = F.sample(sample)
  if type(handle) == "userdata" then
    local mt = debug.getmetatable(handle)
    local class = mt and rawget(mt, "__name")
    if type(class) == "string" and not classes[class] then
      classes[class] = true
      local index = rawget(mt, "__index")
      local lookup = index
      if type(index) == "function" then
        local _, up = debug.getupvalue(index, 1)
        lookup = up
      end
      if type(lookup) == "table" then
        for _, key in ipairs(sortedKeys(lookup)) do
          emit(type(rawget(lookup, key)) == "function" and "method" or "get", "@" .. class, key)
        end
      end
      local newindex = rawget(mt, "__newindex")
      if type(newindex) == "function" then
        local _, setters = debug.getupvalue(newindex, 1)
        if type(setters) == "table" then
          for _, key in ipairs(sortedKeys(setters)) do emit("set", "@" .. class, key) end
        end
      end
      for _, key in ipairs(sortedKeys(mt)) do
        if key ~= "__index" and key ~= "__newindex" and key ~= "__name" and key ~= "__metatable" then
          emit("meta", "@" .. class, key)
        end
      end
      emit("class", "@" .. class, sample)
    end
  end
end

io.stdout:write(table.concat(out, "\n"), "\n")
