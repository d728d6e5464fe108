-- The error objects of the web server: `APIError` (a handler's deliberate failure, with its
-- status) and `OperationFailed` (the server could not start).
local errors = {}

local APIError = {}
APIError.__index = APIError
APIError.__name = "webServer.APIError"
APIError.__tostring = function(e) return "webServer.APIError: " .. e.message end
errors.APIErrorClass = APIError

--- `error(webServer.APIError(message [, status]))` answers `status` (422 by default) with
--- `{"error": message}`.
function errors.APIError(message, status)
    return setmetatable({ message = tostring(message), status = math.tointeger(status) or 422 }, APIError)
end

function errors.isAPIError(e) return getmetatable(e) == APIError end

local OperationFailed = {}
OperationFailed.__index = OperationFailed
OperationFailed.__name = "webServer.OperationFailed"
OperationFailed.__tostring = function(e) return "webServer.OperationFailed: " .. e.message end
errors.OperationFailedClass = OperationFailed

function errors.OperationFailed(message)
    message = tostring(message):gsub("^.-webServer%.OperationFailed: ", "")
    return setmetatable({ message = message }, OperationFailed)
end

return errors
