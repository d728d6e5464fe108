-- `Response` and the helpers that make one: Houdini's `Response(data, status, content_type)`,
-- `notFoundResponse`, `errorResponse`, `redirect`; and `toWire`, the table the Swift half sends.
local json = require("rscript.json")

local response = {}

local Response = {}
Response.__index = Response
Response.__name = "webServer.Response"
response.Class = Response

--- `Response(data [, status [, content_type]])`: 200 and `text/html; charset=utf-8` by default.
function response.new(data, status, content_type)
    local r = setmetatable({ _body = "", _status = 200, _headers = {} }, Response)
    r:setBody(data)
    r._status = math.tointeger(status) or 200
    r:setHeader("Content-Type", content_type or "text/html; charset=utf-8")
    return r
end

function response.isResponse(v) return getmetatable(v) == Response end

--- Sets (replaces) a header; names compare case-insensitively.
function Response:setHeader(name, value)
    name = tostring(name)
    for i, pair in ipairs(self._headers) do
        if pair[1]:lower() == name:lower() then
            self._headers[i] = { name, tostring(value) }
            return
        end
    end
    self._headers[#self._headers + 1] = { name, tostring(value) }
end

function Response:setBody(data)
    if data == nil then data = "" end
    self._body = type(data) == "string" and data or tostring(data)
end

function Response:body() return self._body end
function Response:status() return self._status end
function Response:setStatus(status) self._status = math.tointeger(status) or self._status end

--- The headers as name -> value.
function Response:headers()
    local t = {}
    for _, pair in ipairs(self._headers) do t[pair[1]] = pair[2] end
    return t
end

--- A JSON response: `value` encoded, `application/json`.
function response.json(value, status)
    if value == nil then value = json.null end
    return response.new(json.encode(value), status or 200, "application/json")
end

function response.notFoundResponse(request)
    local path = request and request:path() or ""
    if request and request:acceptsJSON() then
        return response.json({ error = "not found: " .. path }, 404)
    end
    return response.new("<h1>Not Found</h1><p>" .. response.escapeHTML(path) .. "</p>", 404)
end

--- `{"error": message}` for a client that takes JSON, an HTML page otherwise.
function response.errorResponse(request, message, status, use_heading)
    status = math.tointeger(status) or 500
    message = tostring(message)
    if request and request:acceptsJSON() then
        return response.json({ error = message }, status)
    end
    local text = response.escapeHTML(message)
    if use_heading ~= false then text = "<h1>Error " .. status .. "</h1><p>" .. text .. "</p>" end
    return response.new(text, status)
end

--- A redirect to `path`: 301 when `permanent`, 302 otherwise.
function response.redirect(request, path, permanent)
    local r = response.new("", permanent and 301 or 302)
    r:setHeader("Location", path)
    return r
end

local types = {
    html = "text/html; charset=utf-8", htm = "text/html; charset=utf-8", txt = "text/plain; charset=utf-8",
    css = "text/css", js = "text/javascript", json = "application/json", png = "image/png",
    jpg = "image/jpeg", jpeg = "image/jpeg", gif = "image/gif", svg = "image/svg+xml",
    exr = "image/x-exr", pdf = "application/pdf", zip = "application/zip",
}

--- The content type of a file, by its extension (application/octet-stream when unknown).
function response.guessType(path)
    local ext = tostring(path):match("%.([%w]+)$")
    return ext and types[ext:lower()] or "application/octet-stream"
end

--- Streams the file at `path` (with Range support); `delete_file` removes it once opened,
--- `download_as_filename` makes browsers save it under that name.
function response.fileResponse(path, content_type, delete_file, download_as_filename)
    local r = response.new("", 200, content_type or response.guessType(path))
    r._file = tostring(path)
    r._deleteFile = delete_file and true or false
    if download_as_filename then
        r:setHeader("Content-Disposition", 'attachment; filename="' .. tostring(download_as_filename):gsub('["\\\r\n]', "_") .. '"')
    end
    return r
end

function response.escapeHTML(s)
    return (tostring(s):gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }))
end

--- What a handler returned as the Swift half's `{status, headers, body}`: a `Response` as it is,
--- a string as HTML, a table as JSON.
function response.toWire(result, what)
    if type(result) == "string" then result = response.new(result) end
    if type(result) == "table" and not response.isResponse(result) then result = response.json(result) end
    if not response.isResponse(result) then
        error(what .. " returned " .. type(result) .. ": return a Response, a string or a table", 0)
    end
    return { status = result._status, headers = result._headers, body = result._body,
             file = result._file, deleteFile = result._deleteFile }
end

return response
