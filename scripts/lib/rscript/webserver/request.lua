-- `Request`: what a handler gets, with Houdini's method names (`request:path()`, ...).
local form = require("rscript.webserver.form")
local UploadedFile = require("rscript.webserver.upload")

local Request = {}
Request.__index = Request
Request.__name = "webServer.Request"

--- A request from the table the Swift half sends (method, path, query, headers, host, body,
--- clientAddress, isSecure, debug).
function Request.new(data)
    local headers = {}
    for _, pair in ipairs(data.headers) do
        local name, value = pair[1], pair[2]
        headers[name] = headers[name] and (headers[name] .. ", " .. value) or value
    end
    -- Header names are case-insensitive: `headers()["Content-Type"]` finds `content-type`.
    setmetatable(headers, { __index = function(t, k) return type(k) == "string" and rawget(t, k:lower()) or nil end })
    return setmetatable({ _data = data, _headers = headers }, Request)
end

function Request:method() return self._data.method end
--- The path, percent-decoded.
function Request:path() return form.unescape(self._data.path) end
function Request:queryString() return self._data.query end
function Request:pathWithQueryString()
    local q = self._data.query
    return self._data.path .. (q ~= "" and ("?" .. q) or "")
end
function Request:headers() return self._headers end
function Request:body() return self._data.body end
function Request:contentType() return self._headers["content-type"] or "" end
function Request:contentLength() return #self._data.body end
function Request:host() return self._data.host end
function Request:clientAddress() return self._data.clientAddress end
function Request:isSecure() return self._data.isSecure end
function Request:isInDebugMode() return self._data.debug end
--- The port the request came in on: `run`'s port or one of its `ports`.
function Request:port() return self._data.port end

--- The query's fields (name -> value).
function Request:GET()
    if not self._get then self._get = form.parse(self._data.query) end
    return self._get
end

--- The fields of an urlencoded or multipart body (name -> value); empty for any other body.
function Request:POST()
    if not self._post then
        local kind = self:contentType():lower()
        if self._data.multipart then
            self._post = {}
            for _, pair in ipairs(self._data.form) do self._post[pair[1]] = pair[2] end
        elseif kind == "" or kind:find("application/x-www-form-urlencoded", 1, true) then
            self._post = form.parse(self._data.body)
        else
            self._post = {}
        end
    end
    return self._post
end

function Request:cookies()
    if not self._cookies then self._cookies = form.cookies(self._headers["cookie"]) end
    return self._cookies
end

--- The files of a multipart body, field name -> `UploadedFile`.
function Request:files()
    if not self._files then
        self._files = {}
        for _, data in ipairs(self._data.files) do self._files[data.field] = UploadedFile.new(data) end
    end
    return self._files
end

--- Whether the client said it takes JSON (for `errorResponse`).
function Request:acceptsJSON()
    local accept = (self._headers["accept"] or ""):lower()
    return accept:find("json", 1, true) ~= nil
end

return Request
