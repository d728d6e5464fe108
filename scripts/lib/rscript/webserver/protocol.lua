-- The Lua half of `rscript.webserver` (the Swift half, WebServerModule.swift, calls this with
-- its own functions and returns what it gives back). Routing, handlers and errors live here;
-- each request arrives as a table, in a task of its own, and leaves as a table.
local errors = require("rscript.webserver.errors")
local Request = require("rscript.webserver.request")
local response = require("rscript.webserver.response")
local api = require("rscript.webserver.api")
local cors = require("rscript.webserver.cors")

local function isLoopback(address)
    return address == "localhost" or address == "::1" or address:match("^127%.%d+%.%d+%.%d+$") ~= nil
end

return function(core)
    local M = core
    local handlers = {}  -- path -> {fn, is_prefix, methods}
    local settings = {}
    local token = nil
    local allowedHosts = nil  -- name -> true; "*" allows any

    M.Response = response.new
    M.notFoundResponse = response.notFoundResponse
    M.errorResponse = response.errorResponse
    M.redirect = response.redirect
    M.fileResponse = response.fileResponse
    M.APIError = errors.APIError
    M.OperationFailed = errors.OperationFailedClass
    M.APIErrorClass = errors.APIErrorClass

    --- `urlHandler(path, fn)` or `urlHandler(path, {is_prefix=, methods=}, fn)`; without `fn`, a
    --- function that registers the function it is given (Houdini's decorator).
    function M.urlHandler(path, options, fn)
        if type(options) == "function" then options, fn = nil, options end
        options = options or {}
        assert(type(path) == "string" and path:sub(1, 1) == "/", "urlHandler: the path must start with /")
        local function register(f)
            assert(type(f) == "function", "urlHandler: the handler must be a function")
            local methods
            if options.methods then
                methods = {}
                for _, m in ipairs(options.methods) do methods[m:upper()] = true end
            end
            handlers[path] = { fn = f, is_prefix = options.is_prefix and true or false, methods = methods, path = path }
            return f
        end
        if fn == nil then return register end
        return register(fn)
    end

    --- Origins allowed to call the server from a browser (CORS); replaces `settings.CORS_WHITELIST`.
    function M.setCORSWhitelist(origins) cors.setWhitelist(origins) end

    --- Serves the files under `dir` at `url_prefix` ("/static"). `..` and symlinks that lead out
    --- of the folder get 404, as do folders and missing files.
    function M.registerStaticFilesDirectory(dir, url_prefix)
        url_prefix = (url_prefix or "/static"):gsub("/+$", "")
        local root = core._realPath(dir)
        assert(root, "registerStaticFilesDirectory: no folder " .. tostring(dir))
        M.urlHandler(url_prefix .. "/", { is_prefix = true, methods = { "GET", "HEAD" } }, function(request)
            local relative = request:path():sub(#url_prefix + 2)
            for segment in relative:gmatch("[^/]+") do
                if segment == ".." then return response.notFoundResponse(request) end
            end
            if relative == "" or relative:find("\0", 1, true) then return response.notFoundResponse(request) end
            local real = core._realPath(root .. "/" .. relative)
            if not real or real:sub(1, #root + 1) ~= root .. "/" then return response.notFoundResponse(request) end
            return response.fileResponse(real)
        end)
    end

    function M.apiFunction(namespace, name, fn, options) api.register(namespace, name, fn, options) end
    M.registerAPIFunction = M.apiFunction

    --- The handler for `path`: an exact one first, then the longest prefix one.
    local function find(path)
        local exact = handlers[path]
        if exact then return exact end
        local best
        for prefix, h in pairs(handlers) do
            if h.is_prefix and path:sub(1, #prefix) == prefix and (not best or #prefix > #best.path) then best = h end
        end
        return best
    end

    --- The Host header without its port, checked against ALLOWED_HOSTS (a page on another
    --- site cannot reach the server through a DNS name it rebinds to 127.0.0.1).
    local function hostAllowed(request)
        if allowedHosts["*"] then return true end
        local host = request:host():lower()
        local name = host:match("^%[(.-)%]") or host:match("^([^:]*)")
        return allowedHosts[name] == true
    end

    local function route(request)
        if not hostAllowed(request) then
            return response.json({ error = "host '" .. request:host() .. "' is not in ALLOWED_HOSTS" }, 400)
        end
        local preflight = cors.preflight(request)
        if preflight then return preflight end
        if token and (request:headers()["authorization"] or "") ~= "Bearer " .. token then
            return response.json({ error = "unauthorized: send Authorization: Bearer TOKEN" }, 401)
        end
        local path = request:path()
        local h = find(path)
        if not h and path == "/api" then return api.handle(request) end
        if not h then return response.notFoundResponse(request) end
        if h.methods and not h.methods[request:method()] then
            local allowed = {}
            for m in pairs(h.methods) do allowed[#allowed + 1] = m end
            table.sort(allowed)
            local r = response.errorResponse(request, "method " .. request:method() .. " is not allowed on " .. path, 405)
            r:setHeader("Allow", table.concat(allowed, ", "))
            return r
        end
        return h.fn(request)
    end

    local function onError(e)
        if errors.isAPIError(e) then return e end
        local message = tostring(e)
        return { message = message, traceback = debug.traceback(message, 2) }
    end

    local function dispatch(data)
        local request = Request.new(data)
        local ok, result = xpcall(function()
            return response.toWire(route(request), "the handler for " .. request:path())
        end, onError)
        if ok then return cors.decorate(request, result) end
        if errors.isAPIError(result) then
            return cors.decorate(request, response.toWire(response.json({ error = result.message }, result.status)))
        end
        io.stderr:write("rscript: webserver: error in ", request:method(), " ", request:path(), ": ", result.traceback, "\n")
        local body = { error = result.message }
        if data.debug then body.traceback = result.traceback end
        return cors.decorate(request, response.toWire(response.json(body, 500)))
    end
    core._setDispatcher(dispatch)

    --- `run(port)` or `run{port=, debug=, in_background=, settings=, max_request_size=}`.
    function M.run(options)
        if type(options) ~= "table" then options = { port = options } end
        settings = options.settings or {}
        if type(settings) == "string" then settings = dofile(settings) or {} end
        local address = settings.ADDRESS or "127.0.0.1"
        token = settings.TOKEN or os.getenv("RSCRIPT_WEB_TOKEN")
        if token == "" then token = nil end
        if not isLoopback(address) and not token then
            error(errors.OperationFailed("binding " .. address .. " needs a token (settings.TOKEN or RSCRIPT_WEB_TOKEN): only loopback is served without one"), 2)
        end
        allowedHosts = {}
        local hosts = settings.ALLOWED_HOSTS
        if hosts == nil then
            hosts = isLoopback(address) and { "localhost", "127.0.0.1", "::1", address } or { "*" }
        end
        for _, h in ipairs(hosts) do allowedHosts[tostring(h):lower()] = true end
        if settings.CORS_WHITELIST then cors.setWhitelist(settings.CORS_WHITELIST) end
        local ok, err = pcall(core._start, {
            port = options.port == nil and 8008 or options.port,
            address = address,
            debug = options.debug and true or false,
            max_request_size = options.max_request_size,
            max_num_threads = options.max_num_threads,
            max_in_memory_file_upload_size = options.max_in_memory_file_upload_size,
            max_pending_requests = settings.MAX_PENDING_REQUESTS,
            request_timeout = settings.REQUEST_TIMEOUT,
        })
        if not ok then error(errors.OperationFailed(err), 2) end
        if not options.in_background then core._waitForShutdown() end
    end

    return M
end
