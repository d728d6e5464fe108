-- rscript.create: the seed's creation workflow.
--
--   local create = require("rscript.create")
--   local MyCreator = create.Creator:extend("MyCreator")
--   MyCreator.family = "render"
--
-- Gives BaseCreator, Creator, AutoCreator, CreatedInstance, CreatorError, CreateContext and
-- CreatorsOperationFailed.

local creators = require("rscript.create.creators")
local errors = require("rscript.create.errors")

return {
  BaseCreator = creators.BaseCreator,
  Creator = creators.Creator,
  AutoCreator = creators.AutoCreator,
  CreatedInstance = require("rscript.create.instance"),
  CreatorError = errors.CreatorError,
  CreatorsOperationFailed = errors.CreatorsOperationFailed,
  CreateContext = require("rscript.create.context"),
  is_creator_error = errors.isCreatorError,
}
