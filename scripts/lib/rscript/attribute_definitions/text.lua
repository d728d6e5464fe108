-- rscript.attribute_definitions.text: TextDef: a string, optionally multi-line or matching a regex. Part of rscript.attribute_definitions.

local rs = require("rscript")
local S = require("rscript.attribute_definitions.support")
local A = require("rscript.attribute_definitions.abstract")

local type, getmetatable, pcall = type, getmetatable, pcall
local format = string.format
local regexMatch = rs.regexMatch
local fail, show, got, display = S.fail, S.show, S.got, S.display
local AbstractAttrDef, className = A.AbstractAttrDef, A.className

-- TextDef

--- A string; single-line unless `multiline`, matching `regex` (ICU syntax, anchored at the
--- start as Python's re.match) when given. `placeholder` is shown in an empty field.
local TextDef = AbstractAttrDef:extend("TextDef")
TextDef.type = "text"
TextDef.options = { default = "string", multiline = "boolean", regex = "string", placeholder = "string" }
TextDef.type_attributes = { "multiline", "placeholder", "regex" }

function TextDef:setup(opts)
  local name = getmetatable(self).name
  if opts.regex ~= nil and not pcall(regexMatch, opts.regex, "") then
    fail(format("%s: option 'regex' is not a valid regular expression: %s", name, show(opts.regex)))
  end
  self.default = opts.default or ""
  self.multiline = opts.multiline or false
  self.regex = opts.regex
  self.placeholder = opts.placeholder
end

function TextDef:is_value_valid(value)
  if type(value) ~= "string" then return false, "expected text, got " .. got(value) end
  if not self.multiline and value:find("[\r\n]") then
    return false, show(value) .. " has a line break, but the attribute is single-line"
  end
  if self.regex and not regexMatch(self.regex, value) then
    return false, format("%s does not match the pattern %s", show(value), show(self.regex))
  end
  return true
end

--- Strings as they are, numbers as text; anything else gives the default.
function TextDef:convert_value(value)
  if type(value) == "string" then return value end
  if type(value) == "number" then return display(value) end
  return self.default
end

--- The text as it is (not trimmed), if valid.
function TextDef:parse_text(text)
  if type(text) ~= "string" then
    fail(format("%s:parse_text: argument 'text' must be a string, got %s", className(self), got(text)))
  end
  return self:validate(text)
end

return {
  TextDef = TextDef,
}
