-- CORS for the web server: only origins on the whitelist (`settings.CORS_WHITELIST`,
-- `webServer.setCORSWhitelist{...}`) get `Access-Control-Allow-Origin`; "*" allows any.
local cors = { whitelist = {} }

function cors.setWhitelist(origins)
    cors.whitelist = {}
    for _, origin in ipairs(origins or {}) do cors.whitelist[tostring(origin)] = true end
end

--- Whether `origin` is on the whitelist.
function cors.allows(origin)
    return cors.whitelist[origin] == true or cors.whitelist["*"] == true
end

local function allowedOrigin(request)
    local origin = request:headers()["origin"]
    if origin and (cors.whitelist[origin] or cors.whitelist["*"]) then return origin end
    return nil
end

--- The answer to a browser's preflight (`OPTIONS` with `Access-Control-Request-Method`) from
--- a whitelisted origin; nil for any other request.
function cors.preflight(request)
    if request:method() ~= "OPTIONS" or not request:headers()["access-control-request-method"] then return nil end
    local origin = allowedOrigin(request)
    if not origin then return nil end
    local response = require("rscript.webserver.response").new("", 204)
    response:setHeader("Access-Control-Allow-Origin", origin)
    response:setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
    response:setHeader("Access-Control-Allow-Headers", request:headers()["access-control-request-headers"] or "Content-Type, Authorization")
    response:setHeader("Vary", "Origin")
    return response
end

--- Adds the CORS headers to a wire response when the request's origin is whitelisted.
function cors.decorate(request, wire)
    local origin = allowedOrigin(request)
    if origin then
        wire.headers[#wire.headers + 1] = { "Access-Control-Allow-Origin", origin }
        wire.headers[#wire.headers + 1] = { "Vary", "Origin" }
    end
    return wire
end

return cors
