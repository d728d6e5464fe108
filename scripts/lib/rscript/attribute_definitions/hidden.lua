-- rscript.attribute_definitions.hidden: HiddenDef: a value of any (JSON-able) type that is never shown. Part of rscript.attribute_definitions.

local A = require("rscript.attribute_definitions.abstract")

local AbstractAttrDef = A.AbstractAttrDef

--- A value of any (JSON-able) type that is never shown.
local HiddenDef = AbstractAttrDef:extend("HiddenDef")
HiddenDef.type = "hidden"

function HiddenDef:setup(opts)
  HiddenDef.super.setup(self, opts)
  self.visible, self.hidden = false, true
end

return {
  HiddenDef = HiddenDef,
}
