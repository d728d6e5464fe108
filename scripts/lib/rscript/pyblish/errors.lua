-- rscript.pyblish errors: AYON's publish exceptions as classes whose instances are raised with
-- `error(...)`.
--
--   error(pyblish.PublishValidationError("frameStart 10 > frameEnd 1", "Invalid frame range",
--         "Set **frameStart** to a frame before **frameEnd**."))
--   error(pyblish.KnownPublishError("The render farm does not answer."))
--
-- PublishError           a known error: its message is shown to the user, without a traceback
--   KnownPublishError    the same (AYON's older name)
--   PublishValidationError  raised by validators: collected, the other validators still run

local Object = require("rscript.class")

local type, tostring, error, format = type, tostring, error, string.format
local getmetatable, rawget = getmetatable, rawget

local M = {}

local function checkText(className, argument, value, optional)
  if value == nil and optional then return nil end
  local kind = type(value)
  if kind == "number" then return tostring(value) end
  if kind ~= "string" then
    error(format("%s: argument '%s' must be a string, got %s", className, argument, kind), 4)
  end
  return value
end

---@class rscript.pyblish.PublishError
local PublishError = Object:extend("PublishError")

-- PublishError(message [, title [, description [, detail]]]) or PublishError{ message = ..., ... }.
function PublishError:init(message, title, description, detail)
  local name = getmetatable(self).name
  if type(message) == "table" and getmetatable(message) == nil then
    local fields = message
    message, title, description, detail = fields.message, fields.title, fields.description, fields.detail
  end
  self.message = checkText(name, "message", message, false)
  self.title = checkText(name, "title", title, true)
  self.description = checkText(name, "description", description, true)
  self.detail = checkText(name, "detail", detail, true)
end

function PublishError:__tostring()
  return self.message
end

local KnownPublishError = PublishError:extend("KnownPublishError")
local PublishValidationError = PublishError:extend("PublishValidationError")

M.PublishError = PublishError
M.KnownPublishError = KnownPublishError
M.PublishValidationError = PublishValidationError

--- Whether `value` is an error object of `class` (or of a subclass). Any value is accepted.
function M.is_error(value, class)
  if class == nil then class = PublishError end
  if type(value) ~= "table" then return false end
  local mt = getmetatable(value)
  -- an instance's metatable is its class (whose __index is itself); a class's is not
  if type(mt) ~= "table" or rawget(mt, "__index") ~= mt then return false end
  return Object.is(value, class)
end

--- "validation", "known" or "error" for a value raised by a plugin.
function M.kind_of(value)
  if M.is_error(value, PublishValidationError) then return "validation" end
  if M.is_error(value, PublishError) then return "known" end
  return "error"
end

return M
