-- rscript.attribute_definitions.number: NumberDef: a number in a range with a number of decimals. Part of rscript.attribute_definitions.

local S = require("rscript.attribute_definitions.support")
local A = require("rscript.attribute_definitions.abstract")

local type, tonumber, getmetatable = type, tonumber, getmetatable
local format = string.format
local mtype, floor, tointeger = math.type, math.floor, math.tointeger
local fail, numberText, show, got, trim = S.fail, S.numberText, S.show, S.got, S.trim
local AbstractAttrDef, invalid, needText = A.AbstractAttrDef, A.invalid, A.needText

-- NumberDef

-- `v` rounded to `decimals` places; a whole number is an integer when it fits.
local function roundTo(v, decimals)
  local r = tonumber(format("%." .. decimals .. "f", v))
  if decimals == 0 and mtype(r) == "float" then r = tointeger(r) or r end
  return r
end

local function hasAtMostDecimals(v, decimals)
  if decimals == 0 then return v == floor(v) end
  local r = roundTo(v, decimals)
  local scale = v < 0 and -v or v
  if scale < 1 then scale = 1 end
  local diff = r - v
  if diff < 0 then diff = -diff end
  return diff <= 1e-12 * scale
end

--- A number between `minimum` (0) and `maximum` (999999) with at most `decimals` (0) decimal
--- places; with 0 decimals the value is an integer.
local NumberDef = AbstractAttrDef:extend("NumberDef")
NumberDef.type = "number"
NumberDef.options = { default = "number", minimum = "number", maximum = "number", decimals = "decimals" }
NumberDef.type_attributes = { "minimum", "maximum", "decimals" }

function NumberDef:setup(opts)
  local name = getmetatable(self).name
  local minimum, maximum = opts.minimum, opts.maximum
  if minimum == nil then minimum = 0 end
  if maximum == nil then maximum = 999999 end
  if minimum > maximum then
    fail(format("%s: option 'minimum' (%s%s) is above option 'maximum' (%s%s)", name,
      numberText(minimum), opts.minimum == nil and ", the default" or "",
      numberText(maximum), opts.maximum == nil and ", the default" or ""))
  end
  self.minimum, self.maximum = minimum, maximum
  self.decimals = tointeger(opts.decimals or 0)
  if opts.default == nil then
    local default = 0
    if default < minimum then default = minimum elseif default > maximum then default = maximum end
    self.default = roundTo(default, self.decimals)
  else
    local default = opts.default
    if self.decimals == 0 then default = tointeger(default) or default end
    local ok, reason = NumberDef.is_value_valid(self, default)
    if not ok then fail(format("%s: option 'default' is invalid: %s", name, reason)) end
    self.default = default
  end
end

function NumberDef:is_value_valid(value)
  if type(value) ~= "number" or value ~= value then
    return false, "expected a number, got " .. got(value)
  end
  if value < self.minimum then
    return false, format("%s is below the minimum %s", numberText(value), numberText(self.minimum))
  end
  if value > self.maximum then
    return false, format("%s is above the maximum %s", numberText(value), numberText(self.maximum))
  end
  if not hasAtMostDecimals(value, self.decimals) then
    if self.decimals == 0 then return false, numberText(value) .. " is not a whole number" end
    return false, format("%s has more than %d decimal place%s", numberText(value), self.decimals,
      self.decimals == 1 and "" or "s")
  end
  return true
end

--- Numbers and numeric text, clamped into the range and rounded to `decimals`; anything else
--- gives the default.
function NumberDef:convert_value(value)
  if type(value) == "string" then value = tonumber(trim(value)) end
  if type(value) ~= "number" or value ~= value then return self.default end
  if value < self.minimum then value = self.minimum elseif value > self.maximum then value = self.maximum end
  return roundTo(value, self.decimals)
end

function NumberDef:parse_text(text)
  local n = tonumber(needText(self, text))
  if n == nil or n ~= n then invalid(self, "expected a number, got " .. show(text)) end
  if self.decimals == 0 and mtype(n) == "float" then n = tointeger(n) or n end
  return self:validate(n)
end

return {
  NumberDef = NumberDef,
}
