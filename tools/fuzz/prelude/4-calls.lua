------------------------------------------------------------------ calls and contexts

-- What a crash of another process (a pool or job worker, a child rscript) looks like in the
-- messages and logs the runtime hands back. The runner counts "@@FUZZ crash" as a crash.
local crashWords = {
  "killed by SIGSEGV", "killed by SIGILL", "killed by SIGABRT", "killed by SIGBUS",
  "killed by SIGTRAP", "killed by SIGFPE", "unprotected error", "Fatal error",
}
local function scan(s)
  if #s > 1000000 then return end
  for _, word in ipairs(crashWords) do
    if s:find(word, 1, true) then mark("crash another process: " .. word) end
  end
end
F.scan = scan

-- Methods a script calls on a handle it got back (all short for the handles fuzz cases make).
local pokes = { "wait", "get", "next", "poll", "state", "status", "metadata", "readLines", "tail",
                "stats", "ready", "info", "error", "images", "imagePath", "progress", "successful" }

--- Reads a result the way a script would: `tostring`, a shallow walk of tables, and for a
--- handle, a few of its methods.
local touch
touch = function(v, depth)
  depth = depth or 0
  local ok, text = pcall(tostring, v)
  if ok and type(text) == "string" then scan(text) end
  if type(v) == "string" then scan(v) end
  if type(v) == "table" and depth < 2 then
    local n = 0
    pcall(function()
      for _, x in pairs(v) do
        n = n + 1
        if n > 50 then break end
        touch(x, depth + 1)
      end
    end)
  end
  if depth == 0 and (type(v) == "userdata" or (type(v) == "table" and rawget(v, "_core") ~= nil)) then
    for i = 1, 2 do
      local name = (i == 1 and math.random() < 0.7) and "wait" or pokes[math.random(#pokes)]
      pcall(function()
        local m = v[name]
        if type(m) == "function" then
          local results = table.pack(m(v))
          for i = 1, math.min(results.n, 5) do touch(results[i], 1) end
        end
      end)
    end
  end
  return ok
end

F.calls, F.returned = 0, 0
--- Calls `f(...)` protected, touches what it returned or raised, and keeps going.
function F.try(f, ...)
  F.calls = F.calls + 1
  local results = table.pack(pcall(f, ...))
  if results[1] then F.returned = F.returned + 1 end
  for i = 1, math.min(results.n, 20) do touch(results[i]) end
  return results[1]
end

--- Runs the rscript binary itself (FUZZ_BIN) with `argv`, as a user would from a shell, and
--- waits for it (up to 15 s): a crash or a hang of the child counts as one of this case.
function F.child(argv)
  local bin = os.getenv("FUZZ_BIN")
  local process = F.mod("rscript.process")
  if not bin or not process then return end
  local command = { bin }
  for i = 1, #argv do command[i + 1] = argv[i] end
  local ok, p = pcall(process.spawn, command)
  if not ok then return end
  local waited, code = pcall(p.wait, p, 15)
  if waited and code == nil then
    mark("hang child: " .. table.concat(argv, " ", 1, math.min(#argv, 4)))
    pcall(p.kill, p)
  elseif waited and type(code) == "number" and (code < 0 or (code >= 132 and code <= 139 and code ~= 137)) then
    mark("crash child exited " .. code .. ": " .. table.concat(argv, " ", 1, math.min(#argv, 4)))
  end
  local tailOk, lines = pcall(p.tail, p, 40)
  if tailOk and type(lines) == "table" then
    for _, line in ipairs(lines) do if type(line) == "string" then scan(line) end end
  end
end

--- A call with `n` extra arguments (1..n), for "too many arguments".
function F.tryMany(f, n, ...)
  local args = table.pack(...)
  for i = 1, n do args[args.n + i] = i end
  return F.try(f, table.unpack(args, 1, args.n + n))
end

