-- `rscript serve`: the web server with the built-in gallery routes (answered in Swift, before any
-- Lua handler), plus the studio's own handlers from `--script`.
local port, address, token, script, database, openBrowser = ...
local webServer = require("rscript.webserver")

if script ~= "" then
    -- The studio script registers urlHandler/apiFunction/webSocket handlers; serve runs the server.
    local run = webServer.run
    webServer.run = function()
        io.stderr:write("rscript serve: ", script, " calls webServer.run: ignored (rscript serve runs the server itself)\n")
    end
    local ok, err = pcall(dofile, script)
    webServer.run = run
    if not ok then error(err, 0) end
end

webServer.run {
    port = tonumber(port),
    in_background = true,
    settings = { ADDRESS = address, TOKEN = token ~= "" and token or nil },
}

local host = address:find(":", 1, true) and ("[" .. address .. "]") or address
local url = ("http://%s:%d/"):format(host, webServer.serverPort())
local page = token ~= "" and (url .. "#token=" .. token) or url
io.stderr:write("rscript serve: ", database, " at ", page, "\n")

if openBrowser == "1" then
    local browser = os.getenv("BROWSER")
    if not browser or browser == "" then browser = "xdg-open" end
    local quoted = "'" .. page:gsub("'", "'\\''") .. "'"
    local ok = os.execute(browser .. " " .. quoted .. " >/dev/null 2>&1 &")
    if not ok then io.stderr:write("rscript serve: could not start ", browser, "; open ", page, " yourself\n") end
end
