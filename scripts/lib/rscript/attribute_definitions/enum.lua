-- rscript.attribute_definitions.enum: EnumDef: one (or, with multiselection, several) of a list of items. Part of rscript.attribute_definitions.

local rs = require("rscript")
local S = require("rscript.attribute_definitions.support")
local A = require("rscript.attribute_definitions.abstract")

local type, pairs, ipairs, getmetatable = type, pairs, ipairs, getmetatable
local format, concat, sort = string.format, table.concat, table.sort
local isNull = rs.isNull
local fail, show, got, display, isList, deepCopy, splitCommas = S.fail, S.show, S.got, S.display, S.isList, S.deepCopy, S.splitCommas
local AbstractAttrDef, invalid, needText = A.AbstractAttrDef, A.invalid, A.needText

-- EnumDef

local function isScalar(v)
  local t = type(v)
  return t == "string" or t == "boolean" or (t == "number" and v == v)
end

local function itemOrder(a, b)
  local ta, tb = type(a.value), type(b.value)
  if ta ~= tb then return ta < tb end
  if ta == "boolean" then return (not a.value) and b.value end
  return a.value < b.value
end

-- The items in one form, {{value = v, label = "text"}, ...}: from a list of values, of
-- {value =, label =} tables or {value, label} pairs, or a table of value = label (sorted by value).
local function prepareItems(name, items)
  local out, seen = {}, {}
  local function add(value, label, where)
    if not isScalar(value) then
      fail(format("%s: option 'items' %s: value must be a string, number or boolean, got %s", name, where, got(value)))
    end
    if label == nil or isNull(label) then label = display(value) end
    if type(label) ~= "string" then
      fail(format("%s: option 'items' %s: label must be a string, got %s", name, where, got(label)))
    end
    if seen[value] then fail(format("%s: option 'items' has the value %s twice", name, show(value))) end
    seen[value] = true
    out[#out + 1] = { value = value, label = label }
  end
  local n = #items
  if isList(items) then
    for i = 1, n do
      local item = items[i]
      local where = "item " .. i
      if type(item) == "table" then
        if item.value ~= nil then
          add(item.value, item.label, where)
        elseif #item == 1 or #item == 2 then
          add(item[1], item[2], where)
        else
          fail(format("%s: option 'items' %s has no 'value'", name, where))
        end
      else
        add(item, nil, where)
      end
    end
  elseif n > 0 then
    fail(format("%s: option 'items' mixes list items and value = label entries", name))
  else
    local entries = {}
    for value, label in pairs(items) do entries[#entries + 1] = { value = value, label = label } end
    sort(entries, itemOrder)
    for _, entry in ipairs(entries) do add(entry.value, entry.label, "entry " .. show(entry.value)) end
  end
  return out
end

--- One of `items` (or a list of them with `multiselection`). `items`: a list of values, of
--- {value =, label =} tables, or a table of value = label. The default is the first item, or
--- {} with `multiselection`.
local EnumDef = AbstractAttrDef:extend("EnumDef")
EnumDef.type = "enum"
EnumDef.options = { items = "items", multiselection = "boolean", placeholder = "string" }
EnumDef.type_attributes = { "items", "multiselection", "placeholder" }

function EnumDef:setup(opts)
  local name = getmetatable(self).name
  local multiselection = opts.multiselection or false
  local items = prepareItems(name, opts.items or {})
  if #items == 0 and not multiselection then
    fail(format("%s: option 'items' must not be empty", name))
  end
  self.items = items
  self.multiselection = multiselection
  self.placeholder = opts.placeholder
  self._values = {}
  for _, item in ipairs(items) do self._values[item.value] = true end

  local default = opts.default
  if default == nil then
    if multiselection then default = {} else default = items[1].value end
  else
    if multiselection and not isList(default) then
      fail(format("%s: option 'default' must be a list of item values (multiselection), got %s", name, got(default)))
    end
    local ok, reason = EnumDef.is_value_valid(self, default)
    if not ok then fail(format("%s: option 'default' is invalid: %s", name, reason)) end
    default = deepCopy(default)
  end
  self.default = default
end

function EnumDef:_choices()
  local shown = {}
  for i, item in ipairs(self.items) do
    if i > 12 then shown[#shown + 1] = "..."; break end
    shown[#shown + 1] = show(item.value)
  end
  if #shown == 0 then return "no items" end
  return concat(shown, ", ")
end

function EnumDef:_notAnItem(value)
  if #self.items == 0 then return show(value) .. " is not an item (there are none)" end
  return format("%s is not one of %s", show(value), self:_choices())
end

function EnumDef:is_value_valid(value)
  if self.multiselection then
    if not isList(value) then return false, "expected a list of items, got " .. got(value) end
    for _, v in ipairs(value) do
      if not (isScalar(v) and self._values[v]) then return false, self:_notAnItem(v) end
    end
    return true
  end
  if type(value) == "table" then return false, "expected one item, got a table" end
  if isScalar(value) and self._values[value] then return true end
  return false, self:_notAnItem(value)
end

-- The item value `v` stands for: itself, or the item whose value text or label it is.
function EnumDef:_find(v, loose)
  if isScalar(v) and self._values[v] then return v end
  if type(v) ~= "string" then return nil end
  for _, item in ipairs(self.items) do
    if display(item.value) == v then return item.value end
  end
  for _, item in ipairs(self.items) do
    if item.label == v then return item.value end
  end
  if loose then
    local lower = v:lower()
    for _, item in ipairs(self.items) do
      if display(item.value):lower() == lower or item.label:lower() == lower then return item.value end
    end
  end
  return nil
end

--- Item values as they are, and text naming an item by value or label; with multiselection a
--- list of them (items not found are dropped, a single item becomes a list of one). Anything
--- else gives the default.
function EnumDef:convert_value(value)
  if not self.multiselection then
    local v = self:_find(value)
    if v == nil then return self.default end
    return v
  end
  if value == nil or isNull(value) then return deepCopy(self.default) end
  if type(value) ~= "table" then
    local v = self:_find(value)
    if v == nil then return deepCopy(self.default) end
    return { v }
  end
  local out, seen = {}, {}
  for _, item in ipairs(value) do
    local v = self:_find(item)
    if v ~= nil and not seen[v] then seen[v] = true; out[#out + 1] = v end
  end
  return out
end

--- An item by its value text or label (any case); with multiselection comma-separated items.
function EnumDef:parse_text(text)
  local word = needText(self, text)
  if not self.multiselection then
    local v = self:_find(word, true)
    if v == nil then invalid(self, self:_notAnItem(word)) end
    return v
  end
  local out, seen = {}, {}
  for _, part in ipairs(splitCommas(word)) do
    local v = self:_find(part, true)
    if v == nil then invalid(self, self:_notAnItem(part)) end
    if not seen[v] then seen[v] = true; out[#out + 1] = v end
  end
  return out
end

return {
  EnumDef = EnumDef,
}
