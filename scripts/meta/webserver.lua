---@meta rscript.webserver

---Houdini's `hou.webServer` for Lua scripts: an HTTP server on Hummingbird whose handlers
---run as tasks of the script (one coroutine per request, on the script's loop). See
---docs/webserver.md.
---@class rscript.webserver
local webServer = {}

---@class rscript.webserver.RunOptions
---@field port? integer the port (default 8008; 0 picks a free one, see `serverPort()`)
---@field debug? boolean tracebacks in 500 bodies; `isInDebugMode()` is true
---@field in_background? boolean return once listening (default false: wait until `requestShutdown()` or Ctrl-C)
---@field max_request_size? integer bodies above this many bytes get 413 (default 3 GB)
---@field max_in_memory_file_upload_size? integer uploaded files above this go to a temporary file (default 2.5 MB)
---@field max_num_threads? integer the server's I/O threads (default 4; Lua handlers run on the script's loop)
---@field settings? rscript.webserver.Settings|string a table, or a Lua file returning one
---@field ports? integer[] more ports to listen on beside `port` (0 picks a free one)
---@field reload_source_changes? boolean run the script again when it or a module it required changes (default: `debug`)

---@class rscript.webserver.Settings
---@field ADDRESS? string the address to bind (default "127.0.0.1"); any other needs TOKEN
---@field TOKEN? string requests must send `Authorization: Bearer TOKEN` (else 401); also `RSCRIPT_WEB_TOKEN`
---@field ALLOWED_HOSTS? string[] names the Host header may carry ("*": any); loopback names by default
---@field CORS_WHITELIST? string[] origins that get CORS headers
---@field REQUEST_TIMEOUT? number seconds before the client gets 504 (default 60; 0: none); the handler runs on
---@field MAX_PENDING_REQUESTS? integer requests in progress before the server answers 503 (default 1000)
---@field BENCHMARK_SWIFT_ROUTE? string a path Swift answers "hello world" on, without Lua (the benchmark's baseline)

---Starts the server. Prints `listening on http://ADDRESS:PORT` to stderr. Raises a
---`webServer.OperationFailed` naming the port and the reason when it cannot listen.
---@param options integer|rscript.webserver.RunOptions a port, or the options
function webServer.run(options) end

---The bound port while the server runs, else nil.
---@return integer?
function webServer.serverPort() end

---Every bound port, the main one first (`ports` adds the others); empty when stopped.
---@return integer[]
function webServer.serverPorts() end

---Stops accepting connections; requests in progress are answered, then `run` returns.
function webServer.requestShutdown() end

---Origins that get CORS headers (replaces `settings.CORS_WHITELIST`).
---@param origins string[]
function webServer.setCORSWhitelist(origins) end

---Whether the running server was started with `debug = true`.
---@return boolean
function webServer.isInDebugMode() end

---@class rscript.webserver.HandlerOptions
---@field is_prefix? boolean also serve every path below `path` (the longest prefix wins)
---@field methods? string[] the methods served (others get 405 with `Allow`)
---@field ports? integer[] serve only requests that came in on these ports

---Serves `path` with `fn`, which returns a `Response`, a string (HTML) or a table (JSON).
---Without `fn`, returns a function that registers the function it is given.
---@param path string
---@param options? rscript.webserver.HandlerOptions|fun(request: rscript.webserver.Request): any
---@param fn? fun(request: rscript.webserver.Request): any
function webServer.urlHandler(path, options, fn) end

---@class rscript.webserver.APIOptions
---@field return_binary? boolean the result is a string of bytes, sent as `application/octet-stream`
---@field arg_types? table<string, "int"|"float"|"bool"|"json"|"string"> converts form arguments by parameter name
---@field defaults? table<string, any> values for parameters a call leaves out (otherwise they are required)
---@field ports? integer[] callable only on these ports

---Registers `namespace.name` for `POST /api` (`json=[name, args, kwargs]` or
---`cmd_function=name&kw=value`). Keyword arguments bind to `fn`'s parameters by name;
---the first parameter is the request.
---@param namespace string
---@param name string
---@param fn fun(request: rscript.webserver.Request, ...): any
---@param options? rscript.webserver.APIOptions
function webServer.apiFunction(namespace, name, fn, options) end

---Alias of `apiFunction`.
webServer.registerAPIFunction = webServer.apiFunction

---`error(webServer.APIError(message [, status]))` in an API function answers `status`
---(default 422) with `{"error": message}`.
---@param message string
---@param status? integer
---@return table
function webServer.APIError(message, status) end

---The metatable of the errors `run` raises: `getmetatable(e) == webServer.OperationFailed`.
---@type table
webServer.OperationFailed = {}

---A response: `data` (a string), `status` (200), `content_type` ("text/html; charset=utf-8").
---@param data? string
---@param status? integer
---@param content_type? string
---@return rscript.webserver.Response
function webServer.Response(data, status, content_type) end

---404, as JSON when the client accepts JSON, HTML otherwise.
---@param request rscript.webserver.Request
---@return rscript.webserver.Response
function webServer.notFoundResponse(request) end

---`status` (500) with `{"error": message}` for a JSON client, an HTML page otherwise.
---@param request rscript.webserver.Request
---@param message string
---@param status? integer
---@param use_heading? boolean
---@return rscript.webserver.Response
function webServer.errorResponse(request, message, status, use_heading) end

---A 302 redirect to `path` (301 when `permanent`).
---@param request rscript.webserver.Request
---@param path string
---@param permanent? boolean
---@return rscript.webserver.Response
function webServer.redirect(request, path, permanent) end

---Streams a file (Range supported); `delete_file` removes it once opened.
---@param path string
---@param content_type? string guessed from the extension when nil
---@param delete_file? boolean
---@param download_as_filename? string sets Content-Disposition: attachment
---@return rscript.webserver.Response
function webServer.fileResponse(path, content_type, delete_file, download_as_filename) end

---Serves the files under `dir` at `url_prefix` ("/static"); `..` and symlinks leading out get 404.
---@param dir string
---@param url_prefix? string
function webServer.registerStaticFilesDirectory(dir, url_prefix) end

---@class rscript.webserver.WebSocketHandlers
---@field connect? fun(ws: rscript.webserver.WebSocket, request: rscript.webserver.Request) call `ws:accept()` to open (default: accept all)
---@field receive? fun(ws: rscript.webserver.WebSocket, data: string, kind: "text"|"binary")
---@field disconnect? fun(ws: rscript.webserver.WebSocket, code: integer) 1000 clean, 1006 broken
---@field ports? integer[] accept only on these ports

---Serves WebSocket connections at `path`; register before `run`.
---@param path string
---@param handlers rscript.webserver.WebSocketHandlers
function webServer.webSocket(path, handlers) end

---@class rscript.webserver.WebSocket
---@field id integer
---@field path string
---@field request rscript.webserver.Request the upgrade request
---@field closed? boolean true once the connection has closed
local WebSocket = {}
---Opens the connection (only in `connect`).
function WebSocket:accept() end
---Sends text (UTF-8), or bytes with `{binary = true}`; false once closed.
---@param data string
---@param options? {binary?: boolean}
---@return boolean
function WebSocket:send(data, options) end
---Closes with `code` (default 1000) and `reason` (at most 123 bytes).
---@param code? integer
---@param reason? string
function WebSocket:close(code, reason) end

---@class rscript.webserver.Response
local Response = {}
---@param name string
---@param value string
function Response:setHeader(name, value) end
---@param data string
function Response:setBody(data) end
---@return table<string, string>
function Response:headers() end
---@return string
function Response:body() end
---@return integer
function Response:status() end
---@param status integer
function Response:setStatus(status) end

---@class rscript.webserver.Request
local Request = {}
---The query's fields (the last value of a repeated name).
---@return table<string, string>
function Request:GET() end
---The fields of an urlencoded or multipart body.
---@return table<string, string>
function Request:POST() end
---The path, percent-decoded.
---@return string
function Request:path() end
---@return string
function Request:pathWithQueryString() end
---@return string
function Request:queryString() end
---@return string
function Request:method() end
---Header names in lower case; lookups ignore case. Repeated headers are joined with ", ".
---@return table<string, string>
function Request:headers() end
---@return table<string, string>
function Request:cookies() end
---@return string
function Request:body() end
---@return string
function Request:contentType() end
---@return integer
function Request:contentLength() end
---The Host the client sent.
---@return string
function Request:host() end
---@return string
function Request:clientAddress() end
---@return boolean
function Request:isSecure() end
---@return boolean
function Request:isInDebugMode() end
---The port the request came in on.
---@return integer
function Request:port() end
---The files of a multipart body, field name -> file.
---@return table<string, rscript.webserver.UploadedFile>
function Request:files() end

---@class rscript.webserver.UploadedFile
local UploadedFile = {}
---The client's file name.
---@return string
function UploadedFile:name() end
---@return string
function UploadedFile:fieldName() end
---@return string
function UploadedFile:contentType() end
---@return integer
function UploadedFile:size() end
---@return boolean
function UploadedFile:isInMemory() end
---The whole content.
---@return string
function UploadedFile:read() end
---The temporary file holding a large upload (removed when the request ends), nil in memory.
---@return string?
function UploadedFile:temporaryFilePath() end
---Copies the content to `path`.
---@param path string
function UploadedFile:saveToDisk(path) end

return webServer
