import Foundation
import RScriptTesting
@testable import RenderAutomation
import XCTest

/// `rscript.pool` and `rscript.poolprogress` end to end: scripts run by the real binary, whose
/// workers are real `rscript worker` processes. The scripts check most results with `assert`.
final class PoolTests: XCTestCase {
    /// A fresh folder holding `files` (name → contents; names may contain `tasks/`).
    private func folder(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rscript-pool-\(UUID().uuidString)")
        for (name, contents) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir.path
    }

    /// Runs `main.lua` of `dir` from another folder (task scripts are found beside the caller).
    private func run(_ dir: String, _ arguments: [String] = [], timeout: Double = 30) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["run", dir + "/main.lua"] + arguments, directory: NSTemporaryDirectory(), timeout: timeout)
    }

    /// A task that counts its loads and its calls, sleeps if asked, and reports progress.
    private let squareTask = """
        LOADS = (LOADS or 0) + 1
        local time = require("rscript.time")
        return function(client, x, seconds)
          client.state.calls = (client.state.calls or 0) + 1
          if seconds then time.sleep(seconds) end
          client:progress(0.5, "half of " .. tostring(x))
          if x == "boom" then error("boom on purpose") end
          return { x = x, square = type(x) == "number" and x * x or null, worker = client.id,
                   pid = client.pid, calls = client.state.calls, loads = LOADS }
        end
        """

    func testTasksAreRecordedInTheDatabase() throws {
        let sqlite = "/usr/bin/sqlite3"
        try XCTSkipIf(!FileManager.default.isExecutableFile(atPath: sqlite), "sqlite3 is not installed")
        let dir = try folder(["tasks/square.lua": squareTask, "main.lua": """
            local Pool = require("rscript.pool")
            local pool = Pool.new{ workers = 2, retries = 0 }
            local results = pool:map("tasks/square.lua", { 1, 2, 3 })
            assert(results[3].square == 9)
            assert(not pcall(pool.map, pool, "tasks/square.lua", { "boom" }))
            pool:close()
            pool:join()
            print("ok")
            """])
        let database = dir + "/gallery.db"
        let result = try RScriptBinary.run(["run", dir + "/main.lua"], environment: ["RSCRIPT_DB": database],
                                           directory: NSTemporaryDirectory())
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
        let query = Process()
        query.executableURL = URL(fileURLWithPath: sqlite)
        query.arguments = [database, "SELECT label, state, attempts, result IS NOT NULL, error IS NOT NULL FROM pool_tasks ORDER BY id"]
        let out = Pipe()
        query.standardOutput = out
        try query.run()
        let rows = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        query.waitUntilExit()
        XCTAssertEqual(rows, """
            task 1 of 3|finished|1|1|0
            task 2 of 3|finished|1|1|0
            task 3 of 3|finished|1|1|0
            task 1 of 1|failed|1|0|1

            """)
    }

    func testMapImapStarmapAndApplyAsync() throws {
        let dir = try folder(["tasks/square.lua": squareTask, "main.lua": """
            local Pool = require("rscript.pool")
            local pool = Pool.new{ workers = 2 }
            assert(pool.workers == 2 and pool.retries == 2)

            local results = pool:map("tasks/square.lua", { 1, 2, 3, 4, 5, 6, 7, 8 })
            assert(#results == 8)
            local callsByWorker = {}
            for i, r in ipairs(results) do
              assert(r.x == i and r.square == i * i, "map keeps the order")
              assert(r.loads == 1, "the task script is loaded once per worker")
              callsByWorker[r.worker] = math.max(callsByWorker[r.worker] or 0, r.calls)
            end
            local total = 0
            for _, calls in pairs(callsByWorker) do total = total + calls end
            assert(total == 8, "client.state persists between the items of a worker")
            assert(pool:stats().started <= 2, "workers are reused")

            local seen = {}
            for r, index in pool:imap("tasks/square.lua", { 5, 6, 7 }) do
              seen[#seen + 1] = r.x
              assert(index == #seen)
            end
            assert(table.concat(seen, ",") == "5,6,7", "imap yields in order")

            local got = {}
            for r, index in pool:imap_unordered("tasks/square.lua", { 1, 2, 3 }) do got[index] = r.x end
            assert(got[1] == 1 and got[2] == 2 and got[3] == 3, "imap_unordered gives each result with its index")

            local sums = pool:starmap("tasks/square.lua", { { 3, 0.01 }, { 4 }, { 5, 0 } })
            assert(sums[1].square == 9 and sums[2].square == 16 and sums[3].square == 25, "starmap")

            local future = pool:apply_async("tasks/square.lua", { 9, 0.2 })
            assert(future:ready() == false)
            assert(future:get().square == 81)
            assert(future:ready() and future:successful() and future:status() == "done")
            local info = future:info()
            assert(info.fraction == 1 and info.message == "half of 9" and info.updates == 1 and info.attempts == 1)
            assert(pool:apply("tasks/square.lua", { 3 }).square == 9)
            assert(#pool:map("tasks/square.lua", {}) == 0)

            pool:close()
            pool:join()
            assert(pool:stats().live == 0)
            local ok, err = pcall(pool.map, pool, "tasks/square.lua", { 1 })
            assert(not ok and err:find("the pool is closed"), err)
            print("ok")
            """])
        let result = try run(dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "ok\n")
    }

    func testAFreeWorkerTakesTheNextItem() throws {
        // With 2 workers and durations [1.0, 0.1, 0.1, 0.1, 0.1], the quick items all go to the
        // worker that is free: about 1 s in all, not 1.2 s as with items dealt out up front.
        let dir = try folder(["tasks/square.lua": squareTask, "main.lua": """
            local Pool = require("rscript.pool")
            local time = require("rscript.time")
            local pool = Pool.new{ workers = 2 }
            pool:map("tasks/square.lua", { 0, 0 })  -- start both workers
            local t0 = time.monotonic()
            local results = pool:starmap("tasks/square.lua", { { 1, 1.0 }, { 2, 0.1 }, { 3, 0.1 }, { 4, 0.1 }, { 5, 0.1 } })
            local elapsed = time.monotonic() - t0
            local slow = results[1].worker
            for i = 2, 5 do assert(results[i].worker ~= slow, "item " .. i .. " waited behind the slow one") end
            print(string.format("%.2f", elapsed))
            """])
        let result = try run(dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        let elapsed = Double(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 99
        XCTAssertGreaterThanOrEqual(elapsed, 0.99)
        XCTAssertLessThan(elapsed, 1.6, "a loaded machine may be slow, but not by a whole round-robin share")
    }

    func testATaskErrorReachesTheCallerWithItsTraceback() throws {
        let dir = try folder(["tasks/square.lua": squareTask, "main.lua": """
            local Pool = require("rscript.pool")
            local pool = Pool.new{ workers = 2 }
            local ok, err = pcall(function() local r = pool:map("tasks/square.lua", { 1, 2, "boom", 4, 5 }); return r end)
            assert(not ok)
            assert(err:find("main.lua:3: task 3 of 5 failed: .*square.lua:7: boom on purpose"), err)
            assert(err:find("stack traceback %(in pool worker %d%):"), err)
            -- the pool still works, and imap raises at the failed item's turn
            assert(pool:map("tasks/square.lua", { 2 })[1].square == 4)
            local got = {}
            ok, err = pcall(function()
              for r in pool:imap("tasks/square.lua", { 1, "boom", 3 }) do got[#got + 1] = r.x end
            end)
            assert(not ok and #got == 1 and err:find("task 2 of 3 failed"), err)
            local future = pool:apply_async("tasks/square.lua", { "boom" })
            ok, err = pcall(future.get, future)
            assert(not ok and err:find("task failed: .*boom on purpose"), err)
            assert(future:ready() and not future:successful() and future:status() == "failed")
            -- uncaught: the script fails with the task's error and both tracebacks
            pool:starmap("tasks/square.lua", { { 1 }, { "boom", 0.05 } })
            """])
        let start = Date()
        let result = try run(dir)
        XCTAssertLessThan(Date().timeIntervalSince(start), 15, "nothing hangs")
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("main.lua:19: task 2 of 2 failed: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("square.lua:7: boom on purpose"), result.stderr)
        XCTAssertTrue(result.stderr.contains("stack traceback (in pool worker"), result.stderr)
        XCTAssertTrue(result.stderr.contains("main.lua:19: in main chunk"), result.stderr)
    }

    /// A task that kills its own worker with SIGKILL: the first time only (a marker file), or
    /// always.
    private let killerTask = """
        return function(client, x, marker, always)
          local seen = io.open(marker, "r")
          if seen then seen:close() end
          if always or not seen then
            io.open(marker, "w"):close()
            os.execute("kill -9 " .. client.pid)
            require("rscript.time").sleep(10)  -- never reached
          end
          return { x = x, worker = client.id, pid = client.pid }
        end
        """

    func testAKilledWorkersItemRunsAgainElsewhere() throws {
        let dir = try folder(["tasks/killer.lua": killerTask, "main.lua": """
            local Pool = require("rscript.pool")
            local pool = Pool.new{ workers = 2 }
            local marker = arg[1]
            local results = pool:starmap("tasks/killer.lua", { { 1, marker .. ".a" }, { 2, marker }, { 3, marker .. ".b" } })
            for i, r in ipairs(results) do assert(r.x == i) end
            print(results[2].worker)
            """])
        let marker = dir + "/killed"
        for suffix in [".a", ".b"] { _ = FileManager.default.createFile(atPath: marker + suffix, contents: Data()) }
        let result = try run(dir, [marker])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("was killed by SIGKILL while it ran task 2 of 3"), result.stderr)
        XCTAssertTrue(result.stderr.contains("running it again on another worker (attempt 2 of 3)"), result.stderr)
        XCTAssertNotEqual(result.stdout, "", "the item's second run gave its result")
    }

    func testRetriesRunOut() throws {
        let dir = try folder(["tasks/killer.lua": killerTask, "main.lua": """
            local Pool = require("rscript.pool")
            local pool = Pool.new{ workers = 2, retries = 1 }
            assert(pool:starmap("tasks/killer.lua", { { 1, arg[1] } })[1].x == 1, "the marker exists: no kill")
            local ok, err = pcall(function() return pool:starmap("tasks/killer.lua", { { 1, arg[1], true } }) end)
            assert(not ok)
            assert(err:find("task 1 of 1 failed: the worker was killed by SIGKILL %(2 attempts: worker %d+ %(pid %d+%) was killed by SIGKILL; worker"), err)
            -- the pool goes on with new workers
            assert(pool:starmap("tasks/killer.lua", { { 2, arg[1] } })[1].x == 2)
            print("ok")
            """])
        let marker = dir + "/marker"
        _ = FileManager.default.createFile(atPath: marker, contents: Data())
        let result = try run(dir, [marker])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "ok\n")
        XCTAssertTrue(result.stderr.contains("no retries left (2 attempts)"), result.stderr)
    }

    func testBadOptionsAndArguments() throws {
        let dir = try folder(["tasks/square.lua": squareTask, "main.lua": """
            local Pool = require("rscript.pool")
            local function fails(pattern, f, ...)
              local ok, err = pcall(f, ...)
              assert(not ok, "expected an error like " .. pattern)
              assert(err:find(pattern), err)
            end
            fails("workers must be a positive integer, got %-1", Pool.new, { workers = -1 })
            fails("workers must be a positive integer, got 1.5", Pool.new, { workers = 1.5 })
            fails("workers must be a positive integer, got \\"2\\"", Pool.new, { workers = "2" })
            fails("retries must be an integer >= 0", Pool.new, { retries = -1 })
            fails("unknown option 'worker'", Pool.new, { worker = 2 })
            assert(Pool.new().workers == Pool.cpu_count())
            assert(Pool.new(3).workers == 3)
            local pool = Pool.new{ workers = 1 }
            fails("no task script 'missing.lua'", pool.map, pool, "missing.lua", { 1 })
            fails("bad argument #2 to 'map' %(table of items expected, got nil%)", pool.map, pool, "tasks/square.lua")
            fails("items%[2%] must be a list of arguments", pool.starmap, pool, "tasks/square.lua", { { 1 }, 2 })
            fails("cannot convert a function", pool.map, pool, "tasks/square.lua", { print })
            Pool.new{ workers = 0 }
            """])
        let result = try run(dir)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("main.lua:19: Pool.new: workers must be a positive integer, got 0"), result.stderr)
    }

    func testProgressReachesPoolProgress() throws {
        let dir = try folder([
            "tasks/frame.lua": """
                local time = require("rscript.time")
                return function(client, frame, fail)
                  client:progress(0.5, "rendering frame " .. frame)
                  time.sleep(0.3)
                  if fail then error("frame " .. frame .. " failed on purpose") end
                  return "frame_" .. frame .. ".png"
                end
                """,
            "main.lua": """
                local Pool = require("rscript.pool")
                local PoolProgress = require("rscript.poolprogress")
                local pool = Pool.new{ workers = 2 }
                local progress = PoolProgress.new(pool, { total = 3 })
                for frame = 1, 3 do
                  progress:add(pool:apply_async("tasks/frame.lua", { frame }), "frame " .. frame)
                end
                local results = progress:wait()
                assert(table.concat(results, " ") == "frame_1.png frame_2.png frame_3.png")

                -- forced bars, into a table
                local written = {}
                local stream = { write = function(_, ...) for _, s in ipairs({ ... }) do written[#written + 1] = s end end, flush = function() end }
                local bars = PoolProgress.new(pool, { tty = true, stream = stream, width = 100 })
                bars:add(pool:apply_async("tasks/frame.lua", { 4 }), "frame 4")
                bars:wait()
                local text = table.concat(written)
                assert(text:find("\\27%[2K") and text:find("rendering frame 4") and text:find("frame 4: done in"), text)

                -- a failure: wait raises once all are done, never spins
                local failing = PoolProgress.new(pool)
                failing:add(pool:apply_async("tasks/frame.lua", { 5, true }), "frame 5")
                failing:add(pool:apply_async("tasks/frame.lua", { 6 }), "frame 6")
                local ok, err = pcall(failing.wait, failing)
                assert(not ok and err:find("frame 5 failed: .*frame.lua:5: frame 5 failed on purpose"), err)
                print("done")
                """,
        ])
        let result = try run(dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("50% frame 1 (worker 1): rendering frame 1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("frame 3: done in"), result.stdout)
        XCTAssertTrue(result.stdout.contains("total 100% 3/3 done"), result.stdout)
        XCTAssertTrue(result.stdout.contains("frame 5: FAILED: "), result.stdout)
        XCTAssertTrue(result.stdout.contains("frame.lua:5: frame 5 failed on purpose"), result.stdout)
        XCTAssertFalse(result.stdout.contains("\u{1B}["), "no ANSI codes when stdout is not a terminal")
        XCTAssertTrue(result.stdout.hasSuffix("done\n"))
    }

    func testNoWorkerOutlivesItsScript() throws {
        let dir = try folder(["tasks/square.lua": squareTask, "main.lua": """
            local Pool = require("rscript.pool")
            local pool = Pool.new{ workers = 2 }
            local results = pool:map("tasks/square.lua", { 1, 2 })
            print(results[1].pid, results[2].pid)
            if arg[1] == "busy" then
              local slow = pool:apply_async("tasks/square.lua", { 3, 30 })
              require("rscript.time").sleep(0.2)
              error("the main chunk fails while a worker is busy")
            elseif arg[1] == "terminate" then
              local futures = {}
              for i = 1, 4 do futures[i] = pool:apply_async("tasks/square.lua", { i, 30 }) end
              require("rscript.time").sleep(0.2)
              pool:terminate()
              pool:join()
              local ok, err = pcall(futures[4].get, futures[4])
              assert(not ok and err:find("cancelled: the pool was terminated"), err)
            end
            """])
        for mode in ["idle", "busy", "terminate"] {
            let start = Date()
            let result = try run(dir, [mode])
            XCTAssertLessThan(Date().timeIntervalSince(start), 10, mode)
            XCTAssertEqual(result.status, mode == "busy" ? 1 : 0, "\(mode): \(result.stderr)")
            let pids = result.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
            XCTAssertEqual(pids.count, 2, result.stdout)
            for pid in pids {
                XCTAssertNotEqual(kill(pid, 0), 0, "\(mode): worker \(pid) is still running")
            }
        }
    }
}

/// The worker channel's fast path for progress lines agrees with the general parser, and leaves
/// it what it does not handle.
final class WorkerProgressLineTests: XCTestCase {
    func testTheFastPathAgreesWithTheParser() {
        let messages: [WorkerMessage] = [
            .progress(id: 12, fraction: 0.5, message: "half"),
            .progress(id: 1, fraction: 1, message: nil),
            .progress(id: 7, fraction: 1e-7, message: "tile 3 of 4: ünïcode"),
            .progress(id: 3, fraction: 0, message: ""),
        ]
        for message in messages {
            XCTAssertEqual(WorkerMessage.progress(fromLine: message.jsonText), message, message.jsonText)
            XCTAssertEqual(WorkerMessage(jsonText: message.jsonText), message)
        }
        let escaped = WorkerMessage.progress(id: 2, fraction: 0.25, message: "say \"hi\"\n")
        XCTAssertNil(WorkerMessage.progress(fromLine: escaped.jsonText), "escapes go to the general parser")
        XCTAssertEqual(WorkerMessage(jsonText: escaped.jsonText), escaped)
        for other in [WorkerMessage.ready(pid: 4), .result(id: 2, value: ["a": 1]), .failure(id: 3, error: "x", traceback: nil)] {
            XCTAssertNil(WorkerMessage.progress(fromLine: other.jsonText), other.jsonText)
        }
        XCTAssertNil(WorkerMessage.progress(fromLine: "{\"t\":\"progress\",\"id\":1}"), "no fraction")
        XCTAssertNil(WorkerMessage.progress(fromLine: "not json"))
    }
}
