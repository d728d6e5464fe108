-- rscript.attribute_definitions.bool: BoolDef: a boolean. Part of rscript.attribute_definitions.

local S = require("rscript.attribute_definitions.support")
local A = require("rscript.attribute_definitions.abstract")

local type = type
local show, got, trim = S.show, S.got, S.trim
local AbstractAttrDef, invalid, needText = A.AbstractAttrDef, A.invalid, A.needText

-- BoolDef

local BOOLEAN_WORDS = {
  ["true"] = true, ["yes"] = true, ["on"] = true, ["1"] = true,
  ["false"] = false, ["no"] = false, ["off"] = false, ["0"] = false,
}

--- true or false: `BoolDef(key, {default = false})`.
local BoolDef = AbstractAttrDef:extend("BoolDef")
BoolDef.type = "boolean"
BoolDef.options = { default = "boolean" }

function BoolDef:setup(opts)
  if opts.default == nil then self.default = false else self.default = opts.default end
end

function BoolDef:is_value_valid(value)
  if type(value) == "boolean" then return true end
  return false, "expected true or false, got " .. got(value)
end

--- Booleans as they are; "true"/"yes"/"on"/"1" and "false"/"no"/"off"/"0" (any case), and
--- the numbers 1 and 0; anything else gives the default.
function BoolDef:convert_value(value)
  if type(value) == "boolean" then return value end
  if type(value) == "string" then
    local b = BOOLEAN_WORDS[trim(value):lower()]
    if b ~= nil then return b end
  elseif value == 1 or value == 0 then
    return value == 1
  end
  return self.default
end

function BoolDef:parse_text(text)
  local word = needText(self, text)
  local b = BOOLEAN_WORDS[word:lower()]
  if b == nil then
    invalid(self, "expected true/false, yes/no, on/off or 1/0, got " .. show(text))
  end
  return b
end

return {
  BoolDef = BoolDef,
}
