-- Subset names from templates such as "{family}{Variant}": a key written in lower case gives
-- the value as it is, with a capital first letter gives the value with its first letter
-- upper-cased, in capitals gives the value upper-cased (`variant`, `Variant`, `VARIANT`).

local rscript = require("rscript")
local errors = require("rscript.create.errors")

local subsetname = {}

local function fill(name, value)
  if name == name:lower() then return value end
  if name == name:upper() then return value:upper() end
  return value:sub(1, 1):upper() .. value:sub(2)
end

--- The subset name `template` gives with `values` (keys in lower case). A key with no value
--- raises a CreatorError naming it.
function subsetname.format(template, values)
  if type(template) ~= "string" then
    error("get_subset_name: subset template must be a string, got " .. type(template), 2)
  end
  return (template:gsub("{([%w_]+)}", function(name)
    local value = values[name:lower()]
    if value == nil or rscript.isNull(value) or value == "" then
      error(errors.CreatorError(string.format(
        "subset name template '%s' needs '%s', which has no value", template, name:lower())), 0)
    end
    return fill(name, tostring(value))
  end))
end

return subsetname
