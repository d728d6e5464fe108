-- rscript.attribute_definitions.ui: UIDef, UISeparatorDef, UILabelDef: definitions that show something and hold no value.
-- Part of rscript.attribute_definitions.

local S = require("rscript.attribute_definitions.support")
local A = require("rscript.attribute_definitions.abstract")

local format = string.format
local fail = S.fail
local AbstractAttrDef, className = A.AbstractAttrDef, A.className

-- UI definitions: no value

local UIDef = AbstractAttrDef:extend("UIDef")
UIDef.is_value_def = false
UIDef.positional_required = false

function UIDef:setup(opts)
  self.default = nil
end

function UIDef:parse_text(text)
  fail(format("%s:parse_text: a UI definition takes no value", className(self)))
end

--- A line between groups of attributes: `UISeparatorDef([key] [, options])`.
local UISeparatorDef = UIDef:extend("UISeparatorDef")
UISeparatorDef.type = "separator"

--- A text shown among the attributes: `UILabelDef(label [, options])`.
local UILabelDef = UIDef:extend("UILabelDef")
UILabelDef.type = "label"
UILabelDef.positional = "label"
UILabelDef.positional_required = true

function UILabelDef:_def_type_compare(other)
  return self.label == other.label
end

return {
  UIDef = UIDef,
  UISeparatorDef = UISeparatorDef,
  UILabelDef = UILabelDef,
}
