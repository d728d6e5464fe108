import Foundation
import RenderAutomation
import RScriptTesting
import XCTest

/// `rscript.jobmanager` and `rscript jobs` through the real binary: results and progress,
/// max_workers, retries, syntax errors, timeouts and kills (no process left), recovery after a
/// `kill -9` of the runtime, and the command line. Each test has its own database (RSCRIPT_DB).
final class JobManagerTests: XCTestCase {
    var folder: String!
    var db: String { folder + "/jobs.db" }

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-jobs-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Writes `files` (name → Lua source) into the test folder.
    func write(_ files: [String: String]) throws {
        for (name, source) in files {
            try source.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
    }

    /// `rscript run SCRIPT` in the test folder, with the test's database.
    func run(_ script: String, timeout: Double = 30) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["run", folder + "/" + script], environment: ["RSCRIPT_DB": db], directory: folder, timeout: timeout)
    }

    func jobs(_ arguments: [String], timeout: Double = 30) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["jobs"] + arguments + ["--db", db], directory: folder, timeout: timeout)
    }

    /// Whether process group `group` still has a live member, or process `pid` still runs.
    /// Zombies do not count: in a container whose pid 1 does not reap, orphans killed stay
    /// zombies for ever (and `kill(-group, 0)` still finds them).
    func isAlive(group: Int32) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.contains { entry in
            guard let pid = Int32(entry), let (state, pgrp) = stat(pid) else { return false }
            return pgrp == group && state != "Z" && state != "X"
        }
    }

    func isAlive(pid: Int32) -> Bool {
        guard let (state, _) = stat(pid) else { return false }
        return state != "Z" && state != "X"
    }

    /// The state letter and process group of `pid`, from /proc.
    func stat(_ pid: Int32) -> (String, Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let group = Int32(fields[2]) else { return nil }
        return (String(fields[0]), group)
    }

    /// Polls `condition` every 20 ms for at most `seconds`.
    func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    // MARK: Running jobs

    func testAJobGetsItsDataReportsProgressAndReturnsItsResult() throws {
        try write([
            "bake.lua": """
                local n = passed_data.frames
                for i = 1, n do update_job_progress(i / n, "frame " .. i) end
                print("baked " .. n)
                python_data = { result = 42, frames = n }
                """,
            "returns.lua": "return { doubled = passed_data.x * 2, name = passed_data.name }",
            "main.lua": """
                local JobManager = require("rscript.jobmanager")
                local jm = JobManager.get_instance()
                assert(jm == JobManager.get_instance(), "one manager per runtime")
                local ok, msg = jm:add_job("bake", "bake.lua", { timeout = 60, passed_data = { frames = 10 }, max_attempts = 2 })
                assert(ok and msg == "", msg)
                assert(jm:add_job("returns", "returns.lua", { passed_data = { x = 21, name = "héllo" } }))
                assert(jm:get_job_state("bake") == "QUEUED")
                assert(jm:wait("bake") == "COMPLETED")
                local data = jm:get_retrieved_python_data("bake")
                assert(data.result == 42 and data.frames == 10)
                local fraction, message = jm:get_job_progress("bake")
                assert(fraction == 1 and message == "frame 10", tostring(fraction) .. " " .. tostring(message))
                assert(jm:wait() == true, "all completed")
                local r = jm:get_retrieved_python_data("returns")
                assert(r.doubled == 42 and r.name == "héllo")
                assert(jm:get_issue_string("bake") == "")
                assert(table.concat(jm:get_completed_job_names(), ",") == "bake,returns")
                assert(jm:num_running_jobs() == 0 and jm:num_pending_jobs() == 0 and jm:jobs_complete())
                print("log " .. jm:get_log_path("bake"))
                print("id " .. jm:get_job_id("bake"))
                """,
        ])
        let result = try run("main.lua")
        XCTAssertEqual(result.status, 0, result.stderr)
        let log = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("log ") }?.dropFirst(4))
        XCTAssertTrue(try String(contentsOfFile: String(log), encoding: .utf8).contains("baked 10"), "the job's output is in its log")

        // The queue has it all.
        let store = try JobStore(path: db)
        let bake = try store.resolve("bake")
        XCTAssertEqual(bake.state, .completed)
        XCTAssertEqual(bake.result, ["result": 42, "frames": 10])
        XCTAssertEqual(bake.progress, 1)
        XCTAssertEqual(bake.progressMessage, "frame 10")
        XCTAssertEqual(bake.attempts, 1)
        XCTAssertNotNil(bake.worker)
        XCTAssertNotNil(bake.endedAt)
    }

    func testAtMostMaxWorkersJobsRunAtOnce() throws {
        try write([
            "nap.lua": """
                local time = require("rscript.time")
                local started = time.now()
                time.sleep(0.6)
                return { started = started, ended = time.now() }
                """,
            "main.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                assert(jm.max_workers >= 1, "defaults to the number of cores")
                jm.max_workers = 2
                for i = 1, 5 do assert(jm:add_job("nap" .. i, "nap.lua")) end
                assert(jm:num_pending_jobs() == 5)
                assert(jm:wait())
                local spans = {}
                for i = 1, 5 do spans[i] = jm:get_retrieved_python_data("nap" .. i) end
                local most = 0
                for _, s in ipairs(spans) do
                  local at = s.started + 0.05
                  local running = 0
                  for _, t in ipairs(spans) do if t.started <= at and at < t.ended then running = running + 1 end end
                  most = math.max(most, running)
                end
                print("most at once", most)
                assert(most == 2, "two at once, never more: " .. most)
                local ok, err = pcall(function() jm.max_workers = 0 end)
                assert(not ok and err:find("at least 1"), err)
                """,
        ])
        let result = try run("main.lua")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("most at once\t2"), result.stdout)
    }

    func testFailuresAreRetriedThenDroppedWithTheirTracebackAndTheOthersGoOn() throws {
        try write([
            "fail.lua": """
                local function render(frame)
                  error("frame " .. frame .. " failed on purpose")
                end
                render(passed_data.frame)
                """,
            "broken.lua": "local x = \n x = = 2\n",
            "dies.lua": "print('about to die') io.stdout:flush() os.exit(3)",
            "good.lua": "return 'fine'",
            "main.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                jm.max_workers = 2
                assert(jm:add_job("fail", "fail.lua", { passed_data = { frame = 7 }, max_attempts = 3 }))
                assert(jm:add_job("broken", "broken.lua", { max_attempts = 3 }))
                assert(jm:add_job("dies", "dies.lua"))
                assert(jm:add_job("good", "good.lua"))
                assert(jm:wait() == false, "not all completed")
                for _, name in ipairs(jm:get_job_names()) do
                  print(name, jm:get_job_state(name), jm:get_job_info(name).attempts)
                  print((jm:get_issue_string(name)))
                end
                assert(jm:get_retrieved_python_data("good") == "fine")
                assert(table.concat(jm:get_dropped_job_names(), ",") == "fail,broken,dies")
                assert(jm:job_dropped("fail") and not jm:job_killed("fail"))
                """,
        ])
        let result = try run("main.lua")
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        let out = result.stdout
        XCTAssertTrue(out.contains("fail\tDROPPED\t3"), out)
        XCTAssertTrue(out.contains("fail.lua:2: frame 7 failed on purpose"), out)
        XCTAssertTrue(out.contains("stack traceback:") && out.contains("fail.lua:4: in main chunk"), out)
        XCTAssertTrue(out.contains("broken\tDROPPED\t1"), "a syntax error is not retried: \(out)")
        XCTAssertTrue(out.contains("broken.lua:2: unexpected symbol near '='"), out)
        XCTAssertTrue(out.contains("dies\tDROPPED\t1"), out)
        XCTAssertTrue(out.contains("exited with status 3") && out.contains("about to die"), "the worker's last output: \(out)")
        XCTAssertTrue(out.contains("good\tCOMPLETED\t1"), out)
        let log = try String(contentsOfFile: try JobStore(path: db).resolve("fail").logPath!, encoding: .utf8)
        XCTAssertGreaterThanOrEqual(log.components(separatedBy: "failed: ").count - 1, 3, log)
    }

    func testATimedOutJobsProcessesAreAllGone() throws {
        try write([
            "hang.lua": """
                local process = require("rscript.process")
                local p = process.spawn{ "sleep", "30" }          -- its own process group
                local f = io.open(passed_data.pidfile, "w") f:write(p.pid) f:close()
                os.execute("sleep 30")                           -- in the worker's group
                """,
            "main.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                local pidfile = arg[1]
                assert(jm:add_job("hang", "hang.lua", { timeout = 0.5, passed_data = { pidfile = pidfile }, max_attempts = 3 }))
                assert(jm:add_job("ok", "ok.lua"))
                assert(jm:wait("hang") == "TIMED_OUT")
                assert(jm:get_issue_string("hang") == "timed out")
                assert(jm:job_timed_out("hang") and jm:job_killed("hang"))
                assert(jm:get_job_info("hang").attempts == 1, "a timeout is not retried")
                print("worker " .. jm:get_job_info("hang").workerPid)
                assert(jm:wait("ok") == "COMPLETED")
                """,
            "ok.lua": "return 1",
        ])
        let pidfile = folder + "/spawned.pid"
        let started = Date()
        let result = try RScriptBinary.run(["run", folder + "/main.lua", pidfile], environment: ["RSCRIPT_DB": db], directory: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        let worker = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("worker ") }.flatMap { Int32($0.dropFirst(7)) })
        let spawned = try XCTUnwrap(Int32(String(contentsOfFile: pidfile, encoding: .utf8)))
        XCTAssertFalse(isAlive(group: worker), "the worker's process group is gone")
        XCTAssertFalse(isAlive(pid: spawned), "a process the job started in its own group is gone too")
        XCTAssertFalse(isAlive(group: spawned))
        XCTAssertEqual(try JobStore(path: db).resolve("hang").state, .timedOut)
    }

    func testKillJobReachesTheWholeProcessGroup() throws {
        try write([
            "hang.lua": "os.execute('sleep 30')",
            "main.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                local time = require("rscript.time")
                assert(jm:add_job("hang", "hang.lua", { max_attempts = 3 }))
                assert(jm:add_job("waiting", "hang.lua"))
                jm.max_workers = 1
                while jm:get_job_state("hang") ~= "ACTIVE" do time.sleep(0.02) end
                time.sleep(0.2)
                assert(jm:kill_job("waiting") == true)
                assert(jm:get_job_state("waiting") == "KILLED", "a queued job is killed before it starts")
                assert(jm:kill_job("hang") == true)
                assert(jm:get_job_state("hang") == "KILLED", "at once")
                assert(jm:kill_job("hang") == false, "already ended")
                assert(jm:wait("hang") == "KILLED")
                print("worker " .. jm:get_job_info("hang").workerPid)
                assert(jm:get_job_info("waiting").attempts == 0)
                jm:cleanup_job("hang")
                assert(#jm:get_job_names() == 1)
                assert(jm:add_job("hang", "hang.lua", { timeout = 0.1 }), "the name is free again")
                assert(jm:kill_all() == 1)
                """,
        ])
        let started = Date()
        let result = try run("main.lua")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        let worker = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("worker ") }.flatMap { Int32($0.dropFirst(7)) })
        XCTAssertFalse(isAlive(group: worker), "sh and sleep went with the worker")
    }

    func testBadInputToAddJobIsAnswered() throws {
        try write([
            "ok.lua": "return 1",
            "main.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                local function refused(...)
                  local ok, msg = jm:add_job(...)
                  assert(ok == false, "should be refused")
                  print(msg)
                end
                assert(jm:add_job("a", "ok.lua"))
                refused("a", "ok.lua")
                refused("b", "missing.lua")
                refused("c", "ok.lua", { timeout = "soon" })
                refused("d", "ok.lua", { max_attempts = 0 })
                refused("e", "ok.lua", { colour = "red" })
                refused("f", "ok.lua", { passed_data = { [1] = 1, [3] = 3 } })
                refused(42, "ok.lua")
                local ok, err = pcall(jm.get_job_state, jm, "nope")
                assert(not ok and err:find("no job named 'nope'"), err)
                ok, err = pcall(require("rscript.jobmanager").get_instance, 2)
                assert(not ok and err:find("one job manager per runtime"), err)
                jm:wait()
                """,
        ])
        let result = try run("main.lua")
        XCTAssertEqual(result.status, 0, result.stderr)
        let messages = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(messages.count, 7, result.stdout)
        XCTAssertTrue(messages[0].hasPrefix("a job named 'a' is already in the job manager"), messages[0])
        XCTAssertTrue(messages[1].hasPrefix("the job script missing.lua does not exist"), messages[1])
        XCTAssertTrue(messages[2].contains("timeout must be a number"), messages[2])
        XCTAssertTrue(messages[3].contains("max_attempts must be a whole number of at least 1"), messages[3])
        XCTAssertTrue(messages[4].contains("unknown option 'colour'"), messages[4])
        XCTAssertTrue(messages[5].contains("passed_data"), messages[5])
        XCTAssertTrue(messages[6].contains("job name must be a non-empty string"), messages[6])
    }

    // MARK: Recovery

    /// The issue's test: `kill -9` of a runtime while its jobs run loses none of them.
    func testAKilledRuntimesJobsAreRecoveredByTheNextOne() throws {
        try write([
            "work.lua": """
                local time = require("rscript.time")
                for i = 1, 12 do update_job_progress(i / 12) time.sleep(0.1) end
                return { n = passed_data.n, square = passed_data.n * passed_data.n }
                """,
            "adder.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                jm.max_workers = 2
                for i = 1, 4 do assert(jm:add_job("w" .. i, "work.lua", { passed_data = { n = i }, max_attempts = 2 })) end
                print("added") io.stdout:flush()
                jm:wait()
                """,
            "resume.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                print("recovered " .. table.concat(jm:get_job_names(), ","))
                assert(jm:wait() == true, "all completed")
                for _, name in ipairs(jm:get_job_names()) do
                  print(name, jm:get_job_state(name), jm:get_retrieved_python_data(name).square)
                end
                """,
        ])
        let first = Process()
        first.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        first.arguments = ["run", folder + "/adder.lua"]
        first.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["RSCRIPT_DB"] = db
        first.environment = environment
        _ = FileManager.default.createFile(atPath: folder + "/first.out", contents: nil)
        first.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/first.out"))
        first.standardError = first.standardOutput
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }

        // Wait until two jobs run (each in a worker) with progress recorded, then kill -9.
        let store = try JobStore(path: db, busyTimeout: 5)
        XCTAssertTrue(try eventually(10) {
            let active = try store.list(state: .active)
            return active.count == 2 && active.allSatisfy { $0.worker != nil }
        }, "two jobs became ACTIVE")
        let workers = try store.list(state: .active).compactMap(\.worker)
        kill(first.processIdentifier, SIGKILL)
        XCTAssertTrue(eventually { !isAlive(pid: first.processIdentifier) })
        XCTAssertTrue(workers.allSatisfy(\.isAlive), "the orphaned workers outlive their runtime")
        let left = try store.list()
        XCTAssertEqual(left.count, 4, "every acknowledged job is in the queue")
        XCTAssertEqual(left.filter { $0.state == .active }.count, 2)
        XCTAssertEqual(left.filter { $0.state == .queued }.count, 2)
        XCTAssertTrue(left.allSatisfy(\.isOrphaned))

        let second = try run("resume.lua")
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("recovered w1,w2,w3,w4"), second.stdout)
        for n in 1...4 { XCTAssertTrue(second.stdout.contains("w\(n)\tCOMPLETED\t\(n * n)"), second.stdout) }
        XCTAssertTrue(second.stderr.contains("took over 4 job(s)") && second.stderr.contains("killed 2 orphaned worker(s)"), second.stderr)
        XCTAssertTrue(workers.allSatisfy { !$0.isAlive }, "orphaned workers are killed on recovery")
        let wasActive = Set(left.filter { $0.state == .active }.map(\.id))
        for job in try store.list() {
            XCTAssertEqual(job.state, .completed, job.name)
            guard case .int(let n)? = job.passedData["n"] else { return XCTFail("\(job.passedData)") }
            XCTAssertEqual(job.result?["square"], .int(n * n), job.name)
            XCTAssertEqual(job.attempts, wasActive.contains(job.id) ? 2 : 1, "the interrupted attempt counts: \(job.name)")
        }
    }

    func testAJobWhoseAttemptsAreUsedUpIsDroppedOnRecovery() throws {
        let store = try JobStore(path: db)
        try write(["ok.lua": "return 1"])
        let dead = ProcessIdentity(pid: 99_999_999, startTime: 1)
        let job = try store.insert(.init(name: "once", script: folder + "/ok.lua", maxAttempts: 1), owner: dead)
        XCTAssertTrue(try store.claim(id: job.id, owner: dead).applied)
        try write(["main.lua": """
            local jm = require("rscript.jobmanager").get_instance()
            print(jm:get_job_names()[1] == nil)
            """])
        let result = try run("main.lua")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("dropped once (attempts used up)"), result.stderr)
        let dropped = try XCTUnwrap(store.job(id: job.id))
        XCTAssertEqual(dropped.state, .dropped)
        XCTAssertTrue(dropped.issue.contains("died while the job ran (attempt 1 of 1)"), dropped.issue)
    }

    // MARK: The command line

    func testTheJobsCommands() throws {
        try write([
            "flaky.lua": """
                print("flaky runs")
                local f = io.open(passed_data.flag)
                if not f then error("the flag file is missing") end
                f:close()
                return "fixed"
                """,
            "good.lua": "print('good output') return { ok = true }",
            "main.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                assert(jm:add_job("good", "good.lua"))
                assert(jm:add_job("flaky", "flaky.lua", { passed_data = { flag = arg[1] } }))
                jm:wait()
                """,
        ])
        let flag = folder + "/flag"
        let added = try RScriptBinary.run(["run", folder + "/main.lua", flag], environment: ["RSCRIPT_DB": db], directory: folder)
        XCTAssertEqual(added.status, 0, added.stderr)

        let list = try jobs(["list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let lines = list.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, list.stdout)
        XCTAssertEqual(lines[0].split(separator: " "), ["ID", "NAME", "STATE", "ATTEMPTS", "PROGRESS", "STARTED", "DURATION"])
        XCTAssertTrue(lines[1].contains("flaky") && lines[1].contains("DROPPED") && lines[1].contains("1/1"), lines[1])
        XCTAssertTrue(lines[2].contains("good") && lines[2].contains("COMPLETED") && lines[2].contains("100%"), lines[2])

        let json = try jobs(["list", "--json", "--state", "completed"])
        let listed = try JSONValue(jsonText: json.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        guard case .array(let items) = listed else { return XCTFail(json.stdout) }
        XCTAssertEqual(items.map { $0["name"] }, ["good"])
        XCTAssertEqual(items.first?["result"], ["ok": true])

        let show = try jobs(["show", "flaky"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("the flag file is missing") && show.stdout.contains("stack traceback"), show.stdout)
        let showJSON = try jobs(["show", "1", "--json"])
        XCTAssertEqual(try JSONValue(jsonText: showJSON.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["name"], "good")

        let missing = try jobs(["show", "42"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "rscript: no job 42 in \(db)\n")
        XCTAssertEqual(try jobs(["logs", "nope"]).stderr, "rscript: no job named 'nope' in \(db)\n")

        let logs = try jobs(["logs", "good"])
        XCTAssertEqual(logs.status, 0, logs.stderr)
        XCTAssertTrue(logs.stdout.contains("good output") && logs.stdout.contains("attempt 1 of 1"), logs.stdout)

        let killEnded = try jobs(["kill", "good"])
        XCTAssertEqual(killEnded.status, 1)
        XCTAssertTrue(killEnded.stderr.contains("has already ended (COMPLETED)"), killEnded.stderr)
        XCTAssertTrue(try jobs(["retry", "good"]).stderr.contains("only a DROPPED, KILLED or TIMED_OUT job can be retried"))

        // Fix what made it fail, queue it again, and let `jobs wait` run it (no runtime serves it).
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        let retry = try jobs(["retry", "flaky"])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertTrue(retry.stdout.contains("queued again"), retry.stdout)
        XCTAssertTrue(try jobs(["list"]).stdout.contains("QUEUED (unserved)"))
        let wait = try jobs(["wait", "flaky"])
        XCTAssertEqual(wait.status, 0, wait.stderr)
        XCTAssertTrue(wait.stdout.hasPrefix("job 2 (flaky) COMPLETED"), wait.stdout)
        XCTAssertEqual(try JobStore(path: db).resolve("flaky").result, "fixed")
        XCTAssertEqual(try jobs(["wait", "good", "--json"]).status, 0, "an ended job: at once")

        // `jobs run` serves everything queued, until nothing is left.
        try FileManager.default.removeItem(atPath: flag)
        XCTAssertEqual(try jobs(["retry", "2"]).status, 1, "a COMPLETED job is not retried")
        let store = try JobStore(path: db)
        _ = try store.kill(id: store.insert(.init(name: "later", script: folder + "/good.lua"), owner: nil).id)
        XCTAssertEqual(try jobs(["retry", "later"]).status, 0)
        let served = try jobs(["run"])
        XCTAssertEqual(served.status, 0, served.stderr)
        XCTAssertTrue(served.stdout.contains("(later) COMPLETED"), served.stdout)
        XCTAssertEqual(try jobs(["run"]).stdout, "no jobs to run in \(db)\n")
    }

    func testFollowingLogsAndKillingFromAnotherProcess() throws {
        try write([
            "chatty.lua": """
                local time = require("rscript.time")
                for i = 1, 5 do print("line " .. i) io.stdout:flush() time.sleep(0.1) end
                return "done"
                """,
            "hang.lua": "os.execute('sleep 30')",
            "main.lua": """
                local jm = require("rscript.jobmanager").get_instance()
                assert(jm:add_job("chatty", "chatty.lua"))
                assert(jm:add_job("hang", "hang.lua", { max_attempts = 3 }))
                print("chatty", jm:wait("chatty"))
                print("hang", jm:wait("hang"))
                print("attempts", jm:get_job_info("hang").attempts)
                """,
        ])
        let runtime = Process()
        runtime.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        runtime.arguments = ["run", folder + "/main.lua"]
        runtime.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["RSCRIPT_DB"] = db
        runtime.environment = environment
        let out = Pipe()
        runtime.standardOutput = out
        try runtime.run()
        defer { if runtime.isRunning { kill(runtime.processIdentifier, SIGKILL) } }

        let store = try JobStore(path: db)
        XCTAssertTrue(eventually(10) { (try? store.job(named: "chatty")) != nil })
        let follow = try jobs(["logs", "chatty", "--follow"])
        XCTAssertEqual(follow.status, 0, follow.stderr)
        XCTAssertTrue(follow.stdout.contains("line 1\nline 2\nline 3\nline 4\nline 5\n"), follow.stdout)

        XCTAssertTrue(try eventually(10) { try store.job(named: "hang")?.worker != nil })
        let worker = try XCTUnwrap(store.job(named: "hang")?.worker)
        let killed = try jobs(["kill", "hang"])
        XCTAssertEqual(killed.status, 0, killed.stderr)
        XCTAssertEqual(killed.stdout, "killed job 2 (hang)\n")
        runtime.waitUntilExit()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(runtime.terminationStatus, 0, printed)
        XCTAssertTrue(printed.contains("chatty\tCOMPLETED") && printed.contains("hang\tKILLED") && printed.contains("attempts\t1"),
                      "the runtime keeps the KILLED state and does not retry: \(printed)")
        XCTAssertFalse(isAlive(group: worker.pid))
    }
}
