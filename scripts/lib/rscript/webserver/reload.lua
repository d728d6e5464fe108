-- `reload_source_changes`: watches the running script and the modules it required, and when
-- one changes on disk, runs the script again in place (the server keeps listening). A change
-- that does not compile, or a script that fails while it runs again, keeps the old handlers.
local fs = require("rscript.fs")
local task = require("rscript.task")
local time = require("rscript.time")

local reload = {}

--- Raised by `run` while the script runs again, so that what follows `run` is not run twice.
reload.DONE = setmetatable({}, { __tostring = function() return "webServer: reloaded" end })

--- The files to watch: the script and each module it loaded from a file of its own (rscript's
--- own `rscript.*` modules are not the user's).
local function watchedFiles(main)
    local files = { [main] = "(the script)" }
    for name in pairs(package.loaded) do
        if type(name) == "string" and not name:match("^rscript%.") and name ~= "rscript" then
            local path = package.searchpath(name, package.path)
            if path then files[fs.abspath(path)] = name end
        end
    end
    return files
end

local function signature(path)
    local ok, st = pcall(fs.stat, path)
    if not ok then return "missing" end
    return string.format("%.9f:%d", st.mtime, st.size)
end

--- Starts the watcher task. `hooks.isRunning()` ends it; `hooks.swap()` clears the handlers
--- and returns a function that puts the old ones back; `log(message)` reports.
function reload.watch(main, hooks, interval)
    main = fs.abspath(main)
    task.spawn(function()
        local files = watchedFiles(main)
        local seen = {}
        for path in pairs(files) do seen[path] = signature(path) end
        while hooks.isRunning() do
            time.sleep(interval or 0.3)
            local changed = {}
            for path in pairs(files) do
                local now = signature(path)
                if now ~= seen[path] then
                    changed[#changed + 1] = path
                    seen[path] = now
                end
            end
            if #changed > 0 and hooks.isRunning() then
                table.sort(changed)
                reload.apply(main, files, changed, hooks)
                files = watchedFiles(main)
                for path in pairs(files) do seen[path] = seen[path] or signature(path) end
            end
        end
    end)
end

function reload.apply(main, files, changed, hooks)
    local what = table.concat(changed, ", ")
    for _, path in ipairs(changed) do
        if fs.exists(path) then
            local ok, err = loadfile(path)
            if not ok then
                hooks.log("not reloading after a change to " .. what .. ", keeping the old handlers: " .. tostring(err))
                return false
            end
        end
    end
    -- Modules are loaded afresh, the old ones kept in case the new script fails.
    local oldModules = {}
    for _, name in pairs(files) do
        if name ~= "(the script)" then
            oldModules[name] = package.loaded[name]
            package.loaded[name] = nil
        end
    end
    local restore = hooks.swap()
    reload.active = true
    local ok, err = xpcall(function()
        local chunk = assert(loadfile(main))
        chunk(table.unpack(arg or {}))
    end, function(e)
        if e == reload.DONE then return e end
        return debug.traceback(tostring(e), 2)
    end)
    reload.active = false
    if ok or err == reload.DONE then
        hooks.log("reloaded after a change to " .. what)
        return true
    end
    restore()
    for name, module in pairs(oldModules) do package.loaded[name] = module end
    hooks.log("reload failed, keeping the old handlers: " .. tostring(err))
    return false
end

return reload
