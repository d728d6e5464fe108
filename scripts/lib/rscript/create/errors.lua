-- The errors of the creation workflow, as error objects for `error(...)`:
--
--   error(CreatorError("Please select only single item at time."))
--
-- A CreatorError is a problem the artist can fix: it is reported with its message only. Any
-- other error in a creator is reported with its traceback. CreatorsOperationFailed gathers
-- the failures of one CreateContext operation, after every creator had its turn.

local Object = require("rscript.class")

local errors = {}

local CreatorError = Object:extend("CreatorError")
function CreatorError:init(message)
  if type(message) ~= "string" then
    error("CreatorError: argument 'message' must be a string, got " .. type(message), 3)
  end
  self.message = message
end
function CreatorError:__tostring() return self.message end
errors.CreatorError = CreatorError

--- Whether `value` is a CreatorError (or a subclass's instance).
function errors.isCreatorError(value)
  return type(value) == "table" and getmetatable(value) ~= nil and type(value.is) == "function"
    and value:is(CreatorError)
end

local CreatorsOperationFailed = Object:extend("CreatorsOperationFailed")
--- `failures`: { { creator, operation, message, traceback?, creator_error } }.
function CreatorsOperationFailed:init(operation, failures)
  self.operation = operation
  self.failures = failures
  local lines = { string.format("%s failed for %d creator%s:", operation, #failures, #failures == 1 and "" or "s") }
  for _, failure in ipairs(failures) do
    lines[#lines + 1] = string.format("  %s (%s): %s", failure.creator, failure.operation, failure.message)
    if failure.traceback then
      lines[#lines + 1] = "    " .. failure.traceback:gsub("\n", "\n    ")
    end
  end
  self.message = table.concat(lines, "\n")
end
function CreatorsOperationFailed:__tostring() return self.message end
errors.CreatorsOperationFailed = CreatorsOperationFailed

--- Calls `fn(...)`; on error returns false and a failure record for `creator`/`operation`:
--- a CreatorError gives its message alone, another error its message and traceback.
function errors.protect(creatorIdentifier, operation, fn, ...)
  local traceback
  local results = table.pack(xpcall(fn, function(err)
    if errors.isCreatorError(err) then return err end
    traceback = debug and debug.traceback(nil, 2) or nil  -- none under --safe (no `debug`)
    return err
  end, ...))
  if results[1] then return true, table.unpack(results, 2, results.n) end
  local err = results[2]
  local failure = { creator = creatorIdentifier, operation = operation }
  if errors.isCreatorError(err) then
    failure.message = err.message
    failure.creator_error = true
  else
    failure.message = type(err) == "table" and err.message and tostring(err.message) or tostring(err)
    failure.traceback = traceback
    failure.creator_error = false
  end
  return false, failure
end

return errors
