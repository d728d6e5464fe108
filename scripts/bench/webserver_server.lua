-- The server scripts/bench/webserver.sh measures: `/hello` from Lua beside `/swift-hello`
-- answered by Swift on the same Hummingbird server, and `bench.add` on `/api`.
local webServer = require("rscript.webserver")

webServer.urlHandler("/hello", function(request) return "<p>hello world</p>" end)

webServer.apiFunction("bench", "add", function(request, a, b)
    return { sum = a + b }
end, { arg_types = { a = "int", b = "int" } })

webServer.urlHandler("/upload", function(request)
    local sizes = {}
    for field, file in pairs(request:files()) do sizes[field] = file:size() end
    return sizes
end)

webServer.run{ port = tonumber(arg[1]) or 0, settings = { BENCHMARK_SWIFT_ROUTE = "/swift-hello" } }
