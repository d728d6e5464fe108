-- The server the Python-client tests talk to (WebServerClientTests.swift). `arg[1]` is a
-- settings table in Lua syntax (say `{ADDRESS = "127.0.0.2", TOKEN = "t"}`); `plainHTTP`
-- leaves the WebSockets out.
local webServer = require("rscript.webserver")
local time = require("rscript.time")
local settings = arg[1] and assert(load("return " .. arg[1]))() or {}

if not settings.plainHTTP then webServer.webSocket("/echo", {
    connect = function(ws, request)
        if request:GET().deny then return end  -- not accepted: refused
        ws:accept()
        ws:send("hello " .. (request:GET().name or "?"))
    end,
    receive = function(ws, data, kind)
        if data == "bye" then return ws:close(4000, "asked to") end
        if data == "slow" then time.sleep(0.2) end
        ws:send(kind .. ":" .. data, { binary = kind == "binary" })
    end,
    disconnect = function(ws, code) io.stderr:write("disconnect ", ws.path, " ", code, "\n") end,
})
webServer.webSocket("/admin-socket", { ports = settings.adminPorts }) end

webServer.urlHandler("/hello", function(request) return "hello from " .. request:port() end)
if settings.adminPorts then
    webServer.urlHandler("/admin", { ports = settings.adminPorts }, function(request) return { admin = request:port() } end)
    webServer.apiFunction("admin", "ping", function(request) return "pong" end, { ports = settings.adminPorts })
end
webServer.apiFunction("farm", "frames", function(request, first, last, step)
    if last < first then error(webServer.APIError("last comes before first")) end
    local frames = {}
    for f = first, last, step do frames[#frames + 1] = f end
    return { frames = frames }
end, { arg_types = { first = "int", last = "int", step = "int" }, defaults = { step = 1 } })
webServer.apiFunction("farm", "upload", function(request, scene, label)
    return { name = scene:name(), size = scene:size(), label = label }
end)
webServer.apiFunction("farm", "thumbnail", function(request, size)
    return string.rep("\0\1\2", size)
end, { return_binary = true, arg_types = { size = "int" } })
webServer.urlHandler("/tasks", function(request)
    return { live = webServer._liveTasks(), pending = webServer._pendingRequests() }
end)
webServer.urlHandler("/stop", function(request)
    webServer.requestShutdown()
    return "stopping"
end)
webServer.run{ port = 0, ports = settings.extraPorts, settings = settings }
