-- rscript.webserver: a small HTTP API for a running script, as Houdini's hou.webServer gives.
-- The server runs in the background; the script calls its own API with curl (run through
-- rscript.process, so waiting for curl suspends only this task), then shuts the server down.
local webServer = require("rscript.webserver")
local process = require("rscript.process")
local json = require("rscript.json")
local time = require("rscript.time")

-- A page: a handler returns a string (HTML), a table (JSON) or a webServer.Response.
webServer.urlHandler("/hello", function(request)
  return "<p>hello " .. (request:GET().name or "world") .. "</p>"
end)

-- An API function: `POST /api` with cmd_function=farm.frames&first=1&last=4, or with
-- json=["farm.frames", [1], {"last": 4}]. Keyword arguments bind by the Lua parameter names.
webServer.apiFunction("farm", "frames", function(request, first, last)
  if last < first then error(webServer.APIError("last comes before first")) end
  time.sleep(0.05)  -- a handler that waits suspends only its own request
  local frames = {}
  for f = first, last do frames[#frames + 1] = f end
  return { frames = frames }
end, { arg_types = { first = "int", last = "int" } })

webServer.run{ port = 0, in_background = true }
local base = "http://127.0.0.1:" .. webServer.serverPort()

local function curl(...)
  local p = process.spawn{ "curl", "-s", ... }
  p:wait()
  return table.concat(p:readLines(), "\n")
end

local page = curl(base .. "/hello?name=render")
print("page", page)
local form = json.decode(curl("-d", "cmd_function=farm.frames&first=1&last=4", base .. "/api"))
print("frames", table.concat(form.frames, ","))
local encoded = json.decode(curl("--data-urlencode", 'json=["farm.frames", [3], {"last": 5}]', base .. "/api"))
print("frames", table.concat(encoded.frames, ","))
local refused = json.decode(curl("-d", "cmd_function=farm.frames&first=5&last=1", base .. "/api"))
print("error", refused.error)

assert(page == "<p>hello render</p>")
assert(#form.frames == 4 and encoded.frames[1] == 3)
assert(refused.error == "last comes before first")
webServer.requestShutdown()  -- the loop ends once the server has stopped
