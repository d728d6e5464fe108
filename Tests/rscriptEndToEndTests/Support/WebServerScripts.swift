/// The server scripts the web server's end-to-end tests run (`rscript run server.lua [debug]`).
enum WebServerScripts {
    /// Every feature of `rscript.webserver` behind one route or API function each.
    static let features = #"""
        local webServer = require("rscript.webserver")
        local json = require("rscript.json")
        local time = require("rscript.time")

        webServer.urlHandler("/hello", function(request)
            return "<p>hello " .. (request:GET().name or "world") .. "</p>"
        end)
        webServer.urlHandler("/echo", function(request)
            return {
                method = request:method(), path = request:path(),
                pathWithQueryString = request:pathWithQueryString(), queryString = request:queryString(),
                header = request:headers()["X-Test"], cookies = request:cookies(), body = request:body(),
                contentType = request:contentType(), contentLength = request:contentLength(),
                host = request:host(), clientAddress = request:clientAddress(), isSecure = request:isSecure(),
                isInDebugMode = request:isInDebugMode(), GET = json.object(request:GET()),
                POST = json.object(request:POST()),
            }
        end)
        webServer.urlHandler("/files/", { is_prefix = true }, function(request)
            return webServer.Response("file " .. request:path(), 200, "text/plain")
        end)
        webServer.urlHandler("/only-post", { methods = { "POST" } }, function(request) return "posted" end)
        webServer.urlHandler("/custom", function(request)
            local r = webServer.Response("first", 201, "text/plain")
            r:setHeader("X-Custom", "yes")
            r:setBody("created")
            return r
        end)
        webServer.urlHandler("/missing", function(request) return webServer.notFoundResponse(request) end)
        webServer.urlHandler("/moved", function(request) return webServer.redirect(request, "/hello", false) end)
        webServer.urlHandler("/moved-for-good", function(request) return webServer.redirect(request, "/hello", true) end)
        webServer.urlHandler("/teapot", function(request) return webServer.errorResponse(request, "I am a <teapot>", 418) end)
        webServer.urlHandler("/fail", function(request) error("handler failed on purpose") end)
        webServer.urlHandler("/nothing", function(request) end)
        webServer.urlHandler("/sleep", function(request) time.sleep(1); return { slept = true } end)
        webServer.urlHandler("/fast", function(request) return { fast = true } end)
        webServer.urlHandler("/port", function(request) return { port = webServer.serverPort() } end)
        webServer.urlHandler("/tasks", function(request)
            return { live = webServer._liveTasks(), pending = webServer._pendingRequests() }
        end)
        webServer.urlHandler("/stop", function(request)
            webServer.requestShutdown()
            return "stopping"
        end)

        webServer.apiFunction("test", "add", function(request, x, y) return { sum = x + y, types = { type(x), type(y) } } end,
            { arg_types = { x = "int", y = "float" } })
        webServer.apiFunction("test", "kinds", function(request, flag, data, text)
            return { flag = flag, data = data, text = text, flagType = type(flag) }
        end, { arg_types = { flag = "bool", data = "json", text = "string" } })
        webServer.apiFunction("test", "greet", function(request, name, greeting)
            return (greeting or "hello") .. " " .. name
        end, { defaults = { greeting = "hi" } })
        webServer.registerAPIFunction("test", "bytes", function(request, n)
            local parts = {}
            for i = 0, n - 1 do parts[#parts + 1] = string.char(i % 256) end
            return table.concat(parts)
        end, { return_binary = true, arg_types = { n = "int" } })
        webServer.apiFunction("test", "refuse", function(request) error(webServer.APIError("refused on purpose")) end)
        webServer.apiFunction("test", "conflict", function(request) error(webServer.APIError("taken", 409)) end)
        webServer.apiFunction("test", "crash", function(request) error("crashed on purpose") end)
        local slowFinished, spinsEnded = 0, 0
        webServer.apiFunction("test", "slow", function(request, seconds)
            time.sleep(seconds)
            slowFinished = slowFinished + 1
            return seconds
        end, { arg_types = { seconds = "float" } })
        -- A runaway handler that catches every error it can: the deadline must still end it.
        webServer.urlHandler("/spin", function(request)
            while true do pcall(function() while true do end end) end
        end)
        webServer.urlHandler("/ended", function(request)
            return { slowFinished = slowFinished, pending = webServer._pendingRequests(), live = webServer._liveTasks() }
        end)
        webServer.apiFunction("test", "response", function(request)
            return webServer.Response("made by hand", 202, "text/plain")
        end)

        local files = os.getenv("TEST_FILES")
        if files then
            webServer.registerStaticFilesDirectory(files .. "/static")
            webServer.urlHandler("/download", function(request)
                return webServer.fileResponse(files .. "/report.txt", "text/plain", false, "report.txt")
            end)
            webServer.urlHandler("/once", function(request)
                return webServer.fileResponse(files .. "/once.txt", nil, true)
            end)
        end

        local debug = arg[1] == "debug"
        webServer.run{ port = 0, debug = debug, max_request_size = 4096, max_num_threads = 2, settings = {
            TOKEN = os.getenv("TEST_TOKEN"),
            MAX_PENDING_REQUESTS = tonumber(os.getenv("TEST_MAX_PENDING")),
            REQUEST_TIMEOUT = tonumber(os.getenv("TEST_TIMEOUT")),
            CORS_WHITELIST = { "http://allowed.example" },
        } }
        print("run returned")
        """#

    /// `in_background = true`: `run` returns, the loop keeps the server alive.
    static let background = #"""
        local webServer = require("rscript.webserver")
        webServer.urlHandler("/stop", function(request)
            webServer.requestShutdown()
            return "stopping"
        end)
        webServer.urlHandler("/ping", function(request) return "pong" end)
        webServer.run{ port = tonumber(arg[1]) or 0, in_background = true }
        io.stderr:write("run returned with port ", tostring(webServer.serverPort()), "\n")
        """#

    /// Multipart uploads: files below 1,000 bytes stay in memory, larger ones go to a temporary file.
    static let uploads = #"""
        local webServer = require("rscript.webserver")
        local saveDir = arg[1]
        webServer.urlHandler("/upload", function(request)
            local out = { fields = request:POST(), files = {} }
            for field, file in pairs(request:files()) do
                local path = file:temporaryFilePath()
                out.files[field] = {
                    name = file:name(), size = file:size(), inMemory = file:isInMemory(),
                    path = path or "", onDisk = path ~= nil and io.open(path) ~= nil,
                }
                if file:size() < 1e6 then out.files[field].content = #file:read() end
                file:saveToDisk(saveDir .. "/" .. field)
            end
            return out
        end)
        webServer.apiFunction("files", "describe", function(request, label, upload)
            return { label = label, name = upload:name(), size = upload:size(), inMemory = upload:isInMemory() }
        end)
        webServer.run{ port = 0, max_in_memory_file_upload_size = 1000 }
        """#
}
