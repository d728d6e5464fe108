import CLuaShim

extension LuaState {
    /// Replaces `coroutine.resume` and `coroutine.wrap` with versions that pass a Swift
    /// suspension outward: when a Swift function suspends inside a coroutine that Lua code made,
    /// the suspension travels up to the task the scheduler runs, and the values the task is
    /// woken with travel back down. Generators and other plain yields behave as before.
    func installCoroutineForwarding() {
        let source = """
            local SUSPEND, LIMIT, trackedResume = ...
            local getmetatable, error, rawpcall, rawxpcall = getmetatable, error, pcall, xpcall

            -- A limit error (budget, deadline, interrupt) is re-raised by every catcher, so a
            -- script cannot catch its way past a limit.
            local function check(ok, ...)
              if not ok and getmetatable((...)) == LIMIT then error((...), 0) end
              return ok, ...
            end
            pcall = function(f, ...) return check(rawpcall(f, ...)) end
            xpcall = function(f, handler, ...)
              return check(rawxpcall(f, function(e)
                if getmetatable(e) == LIMIT then return e end
                return handler(e)
              end, ...))
            end

            -- trackedResume is coroutine.resume through the C shim, so interrupts reach the coroutine
            local create, resume, yield, status, close, isyieldable = coroutine.create,
              trackedResume, coroutine.yield, coroutine.status, coroutine.close, coroutine.isyieldable
            local select = select

            -- level: where the caller of coroutine.resume or of a wrap function is, for errors
            local function forward(level, co, ok, ...)
              if ok and select("#", ...) == 1 and (...) == SUSPEND and status(co) == "suspended" then
                if not isyieldable() then
                  -- No task runs this code: nothing could ever wake the coroutine that waits.
                  close(co)
                  error("attempt to wait outside a task (in a coroutine that no task runs)", level)
                end
                return forward(level, co, resume(co, yield(SUSPEND)))
              end
              return check(ok, ...)
            end

            coroutine.resume = function(co, ...)
              return forward(2, co, resume(co, ...))
            end

            coroutine.wrap = function(f)
              local co = create(f)
              local function unwrap(ok, ...)
                if ok then return ... end
                local err = ...
                close(co)
                error(err, 0)
              end
              return function(...)
                return unwrap(forward(3, co, resume(co, ...)))
              end
            end
            """
        let chunk = try! load(source, chunkName: "=coroutine-forwarding")
        chunk.push()
        rscript_push_suspend_marker(L)
        rscript_push_limit_metatable(L)
        rscript_push_resume(L)
        try! protectedCall(arguments: 3, results: 0)
    }
}
