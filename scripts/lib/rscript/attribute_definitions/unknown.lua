-- rscript.attribute_definitions.unknown: UnknownDef: a value whose definition is not available. Part of rscript.attribute_definitions.

local A = require("rscript.attribute_definitions.abstract")

local AbstractAttrDef = A.AbstractAttrDef

-- UnknownDef, HiddenDef: any value

--- A value whose definition is not available; kept as it is.
local UnknownDef = AbstractAttrDef:extend("UnknownDef")
UnknownDef.type = "unknown"

return {
  UnknownDef = UnknownDef,
}
