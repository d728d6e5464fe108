-- The `/api` wire protocol of Houdini's web server (issue 11, §2): `POST /api` with
-- `json=["ns.fn", [positional...], {keyword...}]` or `cmd_function=ns.fn&x=1`, answered with
-- the JSON of the result (or its bytes, with `return_binary`).
local json = require("rscript.json")
local errors = require("rscript.webserver.errors")
local form = require("rscript.webserver.form")
local response = require("rscript.webserver.response")

local api = { functions = {} }

local function fail(status, message) error(errors.APIError(message, status), 0) end

--- The parameter names of `fn` after the first (the request), read from its debug info.
local function parameterNames(fn)
    local info = debug.getinfo(fn, "u")
    local names = {}
    for i = 2, info.nparams do names[#names + 1] = debug.getlocal(fn, i) end
    return names, info.isvararg
end

local converters = {
    string = function(s) return s end,
    int = function(s) return math.tointeger(tonumber(s)) end,
    float = function(s) return tonumber(s) end,
    bool = function(s)
        local lower = s:lower()
        if lower == "true" or lower == "1" or lower == "yes" or lower == "on" then return true end
        if lower == "false" or lower == "0" or lower == "no" or lower == "off" or lower == "" then return false end
        return nil
    end,
    json = function(s)
        local ok, value = pcall(json.decode, s)
        if ok then return value end
        return nil
    end,
}

--- Registers `namespace.name`; `options` may give `return_binary`, `arg_types` (parameter ->
--- "int"/"float"/"bool"/"json"/"string") and `defaults` (parameter -> value used when the
--- call leaves it out: Lua has no default parameter values of its own).
--- `ports = {8009, ...}` as a set (nil: every port), checked for `who`.
function api.portSet(ports, who)
    if ports == nil then return nil end
    if type(ports) == "number" then ports = { ports } end
    assert(type(ports) == "table", who .. ": ports must be a list of port numbers")
    local set = {}
    for _, p in ipairs(ports) do
        assert(math.type(p) == "integer" and p >= 1 and p <= 65535, who .. ": ports must hold integers from 1 to 65535")
        set[p] = true
    end
    return set
end

function api.register(namespace, name, fn, options)
    if type(fn) == "table" and type(options) == "function" then fn, options = options, fn end
    assert(type(namespace) == "string" and namespace ~= "", "apiFunction: the namespace must be a non-empty string")
    assert(type(name) == "string" and name ~= "", "apiFunction: the name must be a non-empty string")
    assert(type(fn) == "function", "apiFunction: the handler must be a function")
    options = options or {}
    local names, vararg = parameterNames(fn)
    for parameter, kind in pairs(options.arg_types or {}) do
        assert(converters[kind], ("apiFunction %s.%s: arg_types.%s is %q; use int, float, bool, json or string"):format(namespace, name, tostring(parameter), tostring(kind)))
    end
    api.functions[namespace .. "." .. name] = {
        name = namespace .. "." .. name, fn = fn, names = names, vararg = vararg,
        binary = options.return_binary and true or false,
        types = options.arg_types or {}, defaults = options.defaults or {},
        ports = api.portSet(options.ports, "apiFunction"),
    }
end

--- The call a body names: its function's entry, positional arguments, keyword arguments and
--- whether the keywords are form strings (to convert by `arg_types`).
local function parseCall(request)
    local kind = request:contentType():lower()
    local fields
    if kind:find("multipart/form-data", 1, true) then
        fields = request:POST()
    elseif kind ~= "" and not kind:find("application/x-www-form-urlencoded", 1, true) then
        fail(400, "the body must be application/x-www-form-urlencoded or multipart/form-data, not " .. kind)
    else
        fields = form.parse(request:body())
    end
    if fields.json then
        local ok, call = pcall(json.decode, fields.json)
        if not ok then fail(400, "the json field is not JSON: " .. tostring(call)) end
        if type(call) ~= "table" or type(call[1]) ~= "string" then
            fail(400, 'the json field must be ["namespace.function", [positional...], {keyword...}]')
        end
        local positional, keywords = call[2] or {}, call[3] or {}
        if type(positional) ~= "table" or (call[2] ~= nil and next(positional) ~= nil and positional[1] == nil) then
            fail(400, "the json field's second item must be a list of positional arguments")
        end
        if type(keywords) ~= "table" or (next(keywords) ~= nil and keywords[1] ~= nil) then
            fail(400, "the json field's third item must be an object of keyword arguments")
        end
        -- File parts are keyword arguments named by their field.
        for field, file in pairs(request:files()) do keywords[field] = file end
        return call[1], positional, keywords, false
    elseif fields.cmd_function then
        local keywords = {}
        for k, v in pairs(fields) do if k ~= "cmd_function" then keywords[k] = v end end
        for field, file in pairs(request:files()) do keywords[field] = file end
        return fields.cmd_function, {}, keywords, true
    end
    fail(400, "the body names no function: send json=[name, args, kwargs] or cmd_function=name")
end

--- The arguments for `entry.fn` after the request, bound by name as Python binds them.
local function bind(entry, positional, keywords, fromForm)
    local names, count = entry.names, #positional
    if count > #names and not entry.vararg then
        fail(400, ("%s() takes %d positional argument(s) but %d were given"):format(entry.name, #names, count))
    end
    local args, given = {}, {}
    for i = 1, count do args[i] = positional[i]; given[i] = true end
    local index = {}
    for i, n in ipairs(names) do index[n] = i end
    for k, v in pairs(keywords) do
        local i = index[k]
        if not i then fail(400, ("%s() got an unexpected keyword argument '%s'"):format(entry.name, tostring(k))) end
        if given[i] then fail(400, ("%s() got multiple values for argument '%s'"):format(entry.name, k)) end
        if fromForm and entry.types[k] and type(v) == "string" then
            local converted = converters[entry.types[k]](v)
            if converted == nil then
                fail(400, ("%s(): argument '%s' must be %s, got %q"):format(entry.name, k, entry.types[k], v))
            end
            v = converted
        end
        args[i], given[i] = v, true
    end
    local missing = {}
    for i, n in ipairs(names) do
        if not given[i] then
            if entry.defaults[n] ~= nil then args[i] = entry.defaults[n] else missing[#missing + 1] = "'" .. n .. "'" end
        end
    end
    if #missing > 0 then
        fail(400, ("%s() missing %d required argument(s): %s"):format(entry.name, #missing, table.concat(missing, ", ")))
    end
    return args, math.max(#names, count)
end

--- Answers `POST /api`.
function api.handle(request)
    if request:method() ~= "POST" then
        local r = response.json({ error = "the API takes POST requests, not " .. request:method() }, 405)
        r:setHeader("Allow", "POST")
        return r
    end
    local name, positional, keywords, fromForm = parseCall(request)
    local entry = api.functions[name]
    if not entry or (entry.ports and not entry.ports[request:port()]) then
        fail(404, "no API function named '" .. name .. "'")
    end
    local args, n = bind(entry, positional, keywords, fromForm)
    local result = entry.fn(request, table.unpack(args, 1, n))
    if response.isResponse(result) then return result end
    if entry.binary then
        if type(result) ~= "string" then
            error(entry.name .. " has return_binary but returned " .. type(result) .. ", not a string", 0)
        end
        return response.new(result, 200, "application/octet-stream")
    end
    return response.json(result)
end

return api
