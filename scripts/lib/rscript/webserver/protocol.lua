-- The Lua half of `rscript.webserver` (the Swift half, WebServerModule.swift, calls this with
-- its own functions and returns what it gives back). Routing, handlers and errors live here;
-- each request arrives as a table, in a task of its own, and leaves as a table.
local errors = require("rscript.webserver.errors")
local Request = require("rscript.webserver.request")
local response = require("rscript.webserver.response")
local api = require("rscript.webserver.api")
local cors = require("rscript.webserver.cors")
local reload = require("rscript.webserver.reload")

--- The addresses served without a token: the default one, and its other names. Any other
--- (0.0.0.0, a LAN address, even 127.0.0.2) needs one.
local function isLoopback(address)
    return address == "localhost" or address == "::1" or address == "127.0.0.1"
end

return function(core)
    local M = core
    local handlers = {}  -- path -> {fn, is_prefix, methods, ports}
    local webSockets = {}  -- path -> {connect, receive, disconnect, ports}
    local sockets = {}  -- connection id -> ws
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
            handlers[path] = { fn = f, is_prefix = options.is_prefix and true or false, methods = methods, path = path,
                               ports = api.portSet(options.ports, "urlHandler") }
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

    --- The handler for `path` on `port`: an exact one first, then the longest prefix one.
    local function find(path, port)
        local exact = handlers[path]
        if exact and (not exact.ports or exact.ports[port]) then return exact end
        local best
        for prefix, h in pairs(handlers) do
            if h.is_prefix and path:sub(1, #prefix) == prefix and (not best or #prefix > #best.path)
                and (not h.ports or h.ports[port]) then
                best = h
            end
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
        local h = find(path, request:port())
        if not h and path == "/api" then return api.handle(request) end
        if not h and webSockets[path] then
            -- A WebSocket path reached as plain HTTP: the upgrade was not asked for, or refused.
            if (request:headers()["upgrade"] or ""):lower() == "websocket" then
                return response.errorResponse(request, "the WebSocket connection to " .. path .. " was refused", 403)
            end
            local r = response.errorResponse(request, path .. " is a WebSocket endpoint: connect with Upgrade: websocket", 426)
            r:setHeader("Upgrade", "websocket")
            return r
        end
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

    -- WebSockets -------------------------------------------------------------------------
    local WebSocket = {}
    WebSocket.__index = WebSocket
    WebSocket.__name = "webServer.WebSocket"

    --- During `connect`: opens the connection (without it, the client is refused with 403).
    function WebSocket:accept()
        if self.closed then error("ws:accept: the connection is closed", 2) end
        core._wsAccept(self.id)
        self.accepted = true
    end
    --- Sends a text message (a string of UTF-8), or a binary one with `{binary = true}`.
    --- Returns false once the connection has closed.
    function WebSocket:send(data, options)
        if type(data) ~= "string" then
            error("ws:send: bad argument #1 (data): expected a string, got " .. type(data), 2)
        end
        if options ~= nil and type(options) ~= "table" then
            error("ws:send: bad argument #2 (options): expected a table such as {binary = true}, got " .. type(options), 2)
        end
        local binary = options ~= nil and options.binary and true or false
        if not binary and utf8.len(data) == nil then
            error("ws:send: bad argument #1 (data): not UTF-8 text; send bytes with {binary = true}", 2)
        end
        if self.closed then return false end
        return core._wsSend(self.id, data, binary)
    end
    --- Closes the connection with `code` (1000) and `reason`; `disconnect` follows.
    function WebSocket:close(code, reason)
        if code ~= nil and math.type(code) ~= "integer" then
            error("ws:close: bad argument #1 (code): expected an integer close code, got " .. type(code), 2)
        end
        if code ~= nil and (code < 1000 or code > 4999 or code == 1004 or code == 1005 or code == 1006 or code == 1015) then
            error("ws:close: bad argument #1 (code): expected 1000-4999, one a peer may send (not 1004-1006 or 1015), got " .. code, 2)
        end
        if reason ~= nil and type(reason) ~= "string" then
            error("ws:close: bad argument #2 (reason): expected a string, got " .. type(reason), 2)
        end
        if reason ~= nil and #reason > 123 then
            error("ws:close: bad argument #2 (reason): at most 123 bytes, got " .. #reason, 2)
        end
        if not self.closed then core._wsClose(self.id, code, reason) end
    end
    function WebSocket:__tostring() return "webServer.WebSocket(" .. self.path .. " #" .. self.id .. ")" end

    --- `webSocket(path, {connect = fn(ws, request), receive = fn(ws, data, kind), disconnect =
    --- fn(ws, code), ports =})`. Without `connect`, every connection is accepted.
    --- Register WebSockets before `run`: the server takes upgrades only if some were.
    function M.webSocket(path, spec)
        if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
            error("webSocket: bad argument #1 (path): expected a path starting with /", 2)
        end
        if type(spec) ~= "table" then
            error("webSocket: bad argument #2 (handlers): expected a table {connect=, receive=, disconnect=}", 2)
        end
        for _, name in ipairs({ "connect", "receive", "disconnect" }) do
            if spec[name] ~= nil and type(spec[name]) ~= "function" then
                error("webSocket: bad argument #2 (handlers): " .. name .. " must be a function, got " .. type(spec[name]), 2)
            end
        end
        webSockets[path] = { connect = spec.connect, receive = spec.receive, disconnect = spec.disconnect,
                             ports = api.portSet(spec.ports, "webSocket") }
    end

    --- A browser sends Origin; a page on another site may open a socket to the server
    --- (browsers do not apply CORS to WebSockets), so its origin must be the server's own
    --- host or in the CORS whitelist.
    local function originAllowed(request)
        local origin = request:headers()["origin"]
        if not origin then return true end
        local host = origin:match("^%a[%w+.-]*://([^/]+)")
        if host and host:lower() == request:host():lower() then return true end
        return cors.allows(origin)
    end

    local function onWebSocketError(e) return debug.traceback(tostring(e), 2) end

    local function webSocketEvent(event, id, payload, kind)
        if event == "connect" then
            local request = Request.new(payload)
            local h = webSockets[request:path()]
            if not h or (h.ports and not h.ports[request:port()]) then return end
            if not hostAllowed(request) or not originAllowed(request) then return end
            if token and (request:headers()["authorization"] or "") ~= "Bearer " .. token then return end
            local ws = setmetatable({ id = id, path = request:path(), request = request, handlers = h }, WebSocket)
            sockets[id] = ws
            if not h.connect then
                ws:accept()
                return
            end
            local ok, err = xpcall(h.connect, onWebSocketError, ws, request)
            if not ok then
                sockets[id] = nil
                ws.closed = true
                error(err, 0)
            end
            if not ws.accepted then
                sockets[id] = nil
                ws.closed = true
            end
            return
        end
        local ws = sockets[id]
        if not ws then return end
        if event == "receive" then
            if ws.handlers.receive then ws.handlers.receive(ws, payload, kind) end
        elseif event == "disconnect" then
            sockets[id] = nil
            ws.closed = true
            if ws.handlers.disconnect then ws.handlers.disconnect(ws, payload) end
        end
    end
    core._setWebSocketDispatcher(webSocketEvent)

    --- `run(port)` or `run{port=, debug=, in_background=, settings=, max_request_size=}`.
    function M.run(options)
        -- Run again by reload_source_changes: the server is up; the new handlers are in.
        if reload.active then error(reload.DONE, 0) end
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
            ports = options.ports,
            web_sockets = next(webSockets) ~= nil,
            benchmark_swift_route = settings.BENCHMARK_SWIFT_ROUTE,
            address = address,
            token = token,
            allowed_hosts = hosts,
            debug = options.debug and true or false,
            max_request_size = options.max_request_size,
            max_num_threads = options.max_num_threads,
            max_in_memory_file_upload_size = options.max_in_memory_file_upload_size,
            max_pending_requests = settings.MAX_PENDING_REQUESTS,
            request_timeout = settings.REQUEST_TIMEOUT,
            idle_timeout = settings.IDLE_TIMEOUT,
        })
        if not ok then error(errors.OperationFailed(err), 2) end
        local watch = options.reload_source_changes
        if watch == nil then watch = options.debug and true or false end
        if watch then
            local main = arg and arg[0]
            if type(main) == "string" and io.open(main) then
                reload.watch(main, {
                    isRunning = function() return core.serverPort() ~= nil end,
                    swap = function()
                        local old = { handlers, webSockets, api.functions }
                        handlers, webSockets, api.functions = {}, {}, {}
                        return function() handlers, webSockets, api.functions = old[1], old[2], old[3] end
                    end,
                    log = function(message) io.stderr:write("rscript: webserver: ", message, "\n") end,
                })
            else
                io.stderr:write("rscript: webserver: reload_source_changes needs a script file; not watching\n")
            end
        end
        if not options.in_background then core._waitForShutdown() end
    end

    return M
end
