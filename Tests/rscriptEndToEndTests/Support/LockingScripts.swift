/// Lua shared by the tests that lock a database from another process while a script runs
/// (`BlockedDatabaseTests`, `BlockedJobQueueTests`). A test writes it as `locking.lua` beside
/// its script, which then does `local locking = require("locking")`.
enum LockingScripts {
    static let module = #"""
        local process = require("rscript.process")
        local task = require("rscript.task")
        local time = require("rscript.time")
        local M = {}

        -- Starts python3 holding `BEGIN EXCLUSIVE` on `db` for `seconds`; returns the process once
        -- the lock is held (the caller waits for it and checks its exit).
        function M.lock(db, seconds)
          local locker = process.spawn{ "python3", "-c", [[
        import sqlite3, sys, time
        c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
        c.execute("BEGIN EXCLUSIVE")
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
        c.execute("COMMIT")
        ]], db, tostring(seconds), log = "locker.log" }
          local locked = false
          while not locked do
            for _, line in ipairs(locker:readLines()) do locked = locked or line == "locked" end
            assert(locked or locker:poll() == nil, "the locker exited early")
            if not locked then time.sleep(0.01) end
          end
          return locker
        end

        -- A 10 ms ticker: its worst lateness is what the loop waited for. `t.stop()` ends it.
        function M.ticker()
          local t = { worst = 0, ticks = 0, running = true }
          function t.stop() t.running = false end
          task.spawn(function()
            while t.running do
              local started = time.monotonic()
              time.sleep(0.01)
              t.worst = math.max(t.worst, time.monotonic() - started - 0.01)
              t.ticks = t.ticks + 1
            end
          end)
          return t
        end

        return M
        """#
}
