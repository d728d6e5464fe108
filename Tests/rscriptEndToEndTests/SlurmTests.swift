import Foundation
import RScriptTesting
import XCTest

/// `rscript render --frames ... --farm slurm` end to end, against the real single-node cluster
/// of `tools/slurm.sh` (tools/test.sh starts it). Without a cluster every test fails with the
/// command that starts one.
final class SlurmTests: XCTestCase {
    static let scenes = RScriptBinary.repositoryRoot + "/scripts/examples/scenes"
    var folder = ""
    var environment: [String: String] = [:]
    /// Every array of a test carries this job name (`--slurm-opt=--job-name=...`), so the test
    /// can ask squeue about its own jobs only.
    var jobName = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-slurm-\(UUID().uuidString)"
        jobName = "rscript-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder + "/plugins/backgroundrenderers", withIntermediateDirectories: true)
        try "scene".write(toFile: folder + "/scene.txt", atomically: true, encoding: .utf8)
        try FrameRenderTests.png.write(to: URL(fileURLWithPath: folder + "/fixture.png"))
        try FrameRenderTests.testPlugin.write(toFile: folder + "/plugins/backgroundrenderers/frametest.lua", atomically: true, encoding: .utf8)
        environment = [
            "RSCRIPT_DB": folder + "/gallery.db", "RSCRIPT_PLUGIN_PATH": folder + "/plugins:&",
            "XDG_CONFIG_HOME": folder + "/config", "TMPDIR": folder, "RSCRIPT_SLURM_POLL": "0.2",
        ]
        try requireCluster()
    }

    override func tearDownWithError() throws {
        _ = try? Self.command(["scancel", "--name", jobName])
        try? FileManager.default.removeItem(atPath: folder)
    }

    // MARK: - helpers

    /// Fails (never skips) without a cluster, naming the command that starts one.
    private func requireCluster() throws {
        let answer = try? Self.command(["sinfo", "-h", "-o", "%T"])
        guard let answer, answer.status == 0, !answer.output.isEmpty else {
            throw NoCluster(message: "no Slurm cluster answers (sinfo: \(answer?.output ?? "not found")): start one with: bash tools/slurm.sh start")
        }
    }

    /// Runs a command to its end: its status and output (stdout and stderr).
    static func command(_ argv: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func rscript(_ arguments: [String], extraEnvironment: [String: String] = [:], timeout: Double = 60) throws -> RScriptBinary.Result {
        try RScriptBinary.run(arguments, environment: environment.merging(extraEnvironment) { $1 }, directory: folder, timeout: timeout)
    }

    private func events(_ stdout: String, _ name: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == name }
    }

    private func shell(_ extra: [String], frames: String) -> [String] {
        ["render", folder + "/scene.txt", "--renderer", "Shell", "--frames", frames, "--output", "out", "--json",
         "--farm", "slurm", "--slurm-opt=--job-name=\(jobName)", "--option", "png=\(folder)/fixture.png"] + extra
    }

    /// Our tasks in squeue, in the given states.
    private func ourTasks(states: String) throws -> [String] {
        try Self.command(["squeue", "-h", "-r", "-t", states, "-n", jobName, "-o", "%i"]).output
            .split(separator: "\n").map(String.init)
    }

    /// Width and height from a PNG's IHDR, or nil when the file is not a whole PNG.
    private func pngSize(_ path: String) -> (Int, Int)? {
        guard let data = FileManager.default.contents(atPath: path), data.count > 33,
              data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return nil }
        func be32(_ i: Int) -> Int { data[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    /// Starts rscript in the background; `read()` collects what it printed so far.
    private final class Background {
        let process = Process()
        let out = Pipe()
        var text = ""

        init(_ arguments: [String], environment: [String: String], directory: String) throws {
            process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Reads until `text` holds `marker` (or `seconds` pass).
        func wait(for marker: String, count: Int = 1, seconds: Double = 30) {
            let deadline = Date().addingTimeInterval(seconds)
            while text.components(separatedBy: marker).count <= count && Date() < deadline && process.isRunning {
                text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            }
        }

        func finish(seconds: Double = 30) -> Int32 {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return process.terminationStatus
        }
    }

    // MARK: - POV-Ray on the cluster

    func testPOVRayFramesRenderAsOneThrottledArrayWithTheirRecords() throws {
        let args = ["render", Self.scenes + "/orbit.pov", "--renderer", "POV-Ray", "--frames", "1-12", "--workers", "2",
                    "--chunk", "2", "--res", "32x24", "--output", "out", "--json", "--farm", "slurm",
                    "--slurm-opt=--job-name=\(jobName)"]
        // Watch squeue while it renders: never more than 2 of our tasks running at once.
        let watching = Atomic(true)
        let most = Atomic(0)
        let watcher = Thread { [jobName] in
            while watching.value {
                let running = (try? SlurmTests.command(["squeue", "-h", "-r", "-t", "RUNNING", "-n", jobName, "-o", "%i"]))?
                    .output.split(separator: "\n").count ?? 0
                most.value = max(most.value, running)
                usleep(100_000)
            }
        }
        watcher.start()
        let result = try rscript(args)
        watching.value = false
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        XCTAssertEqual(events(result.stdout, "plan").first?["chunks"] as? [String], ["1-2", "3-4", "5-6", "7-8", "9-10", "11-12"])
        let starts = events(result.stdout, "chunkStart")
        XCTAssertEqual(starts.count, 6)
        let arrays = Set(starts.compactMap { ($0["slurmJob"] as? String)?.split(separator: "_").first.map(String.init) })
        XCTAssertEqual(arrays.count, 1, "one job array: \(starts)")
        XCTAssertEqual(Set(events(result.stdout, "frameDone").compactMap { $0["frame"] as? Int }), Set(1...12))
        for frame in 1...12 {
            let path = folder + "/out/orbit_" + String(format: "%04d", frame) + ".png"
            XCTAssertEqual(pngSize(path).map { [$0.0, $0.1] }, [32, 24], "frame \(frame) is a whole 32x24 PNG")
        }
        XCTAssertEqual(events(result.stdout, "end").first?["state"] as? String, "finished")
        XCTAssertLessThanOrEqual(most.value, 2, "at most 2 array tasks run at once")
        XCTAssertGreaterThanOrEqual(most.value, 1, "squeue saw the tasks run")
        let job = try XCTUnwrap(arrays.first)
        let show = try Self.command(["scontrol", "show", "job", job])
        XCTAssertTrue(show.output.contains("ArrayTaskThrottle=2"), show.output)
        // The chunk records are those of a local render.
        let query = try Self.command(["sqlite3", folder + "/gallery.db",
                                      "SELECT first, last, attempt, state, framesDone FROM frame_chunks ORDER BY first; SELECT state, rendered FROM frame_renders"])
        XCTAssertEqual(query.output, "1|2|1|done|2\n3|4|1|done|2\n5|6|1|done|2\n7|8|1|done|2\n9|10|1|done|2\n11|12|1|done|2\nfinished|12\n")
        let log = try String(contentsOfFile: folder + "/out/logs/chunk-0005-0006.log", encoding: .utf8)
        XCTAssertTrue(log.contains("rscript slurm-task: job \(job)_"), log)
        XCTAssertTrue(log.contains("+SF5") && log.contains("+EF6"), log)

        // Again: every frame is done and whole, nothing is submitted.
        let again = try rscript(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(events(again.stdout, "plan").first?["render"] as? Int, 0)
        XCTAssertEqual(try ourTasks(states: "all").count, 6, "no new task")
    }

    // MARK: - Faults

    func testAChunkThatKeepsFailingIsRetriedThenReportedWithItsLog() throws {
        let result = try rscript(shell(["--option", "mode=fail", "--retries", "1", "--chunk", "2"], frames: "1-2"))
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        let failures = events(result.stdout, "chunkFailed")
        XCTAssertEqual(failures.map { $0["retry"] as? Bool }, [true, false])
        let reason = failures.last?["reason"] as? String ?? ""
        XCTAssertTrue(reason.contains("sh exited with status 3 (Slurm task "), reason)
        XCTAssertTrue(reason.contains("boom: cannot render frame 1"), reason)
        XCTAssertTrue(result.stderr.contains("log: \(folder)/out/logs/chunk-0001-0002.log"), result.stderr)
        XCTAssertTrue(result.stderr.contains("| boom: cannot render frame 1"), result.stderr)
        XCTAssertEqual(Set(events(result.stdout, "chunkStart").compactMap { $0["slurmJob"] as? String }).count, 2, "two submissions")
    }

    func testAFailedChunkIsResubmittedForItsMissingFramesOnly() throws {
        let result = try rscript(shell(["--option", "mode=fail-once", "--option", "at=3", "--chunk", "4"], frames: "1-4"))
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let failed = try XCTUnwrap(events(result.stdout, "chunkFailed").first)
        XCTAssertEqual(failed["frames"] as? [Int], [3, 4])
        let starts = events(result.stdout, "chunkStart")
        XCTAssertEqual(starts.map { $0["chunk"] as? String }, ["1-4", "3-4"])
        XCTAssertEqual(Set(events(result.stdout, "frameDone").compactMap { $0["frame"] as? Int }), [1, 2, 3, 4])
    }

    func testScancelFromOutsideShowsUpAsKilled() throws {
        let render = try Background(shell(["--option", "mode=stall", "--retries", "0", "--chunk", "1"], frames: "1"),
                                    environment: environment, directory: folder)
        render.wait(for: "\"chunkStart\"")
        let job = try XCTUnwrap(events(render.text, "chunkStart").first?["slurmJob"] as? String, render.text)
        XCTAssertEqual(try Self.command(["scancel", job]).status, 0)
        XCTAssertEqual(render.finish(), 1, render.text)
        let reason = events(render.text, "chunkFailed").first?["reason"] as? String ?? ""
        XCTAssertTrue(reason.hasPrefix("KILLED"), reason)
        XCTAssertTrue(reason.contains(job), reason)
    }

    func testCtrlCCancelsTheArraysAndWaitsUntilSlurmReportsThemGone() throws {
        let render = try Background(shell(["--option", "mode=stall", "--chunk", "1"], frames: "1-3"),
                                    environment: environment, directory: folder)
        render.wait(for: "\"chunkStart\"")
        kill(render.process.processIdentifier, SIGINT)
        XCTAssertEqual(render.finish(), 130, render.text)
        XCTAssertEqual(try ourTasks(states: "PENDING,RUNNING,COMPLETING"), [], "Slurm reports every task gone")
        XCTAssertEqual(events(render.text, "end").first?["state"] as? String, "interrupted")
        XCTAssertEqual(events(render.text, "end").first?["notRendered"] as? [Int], [1, 2, 3])
    }

    func testAKilledRscriptRunAgainSubmitsNothingThatIsDone() throws {
        // One task at a time, so the first run is still busy when it is killed.
        let first = try Background(shell(["--chunk", "1", "--workers", "1"], frames: "1-4"),
                                   environment: environment, directory: folder)
        first.wait(for: "\"frameDone\"")
        kill(first.process.processIdentifier, SIGKILL)
        _ = first.finish()
        let done = Set(events(first.text, "frameDone").compactMap { $0["frame"] as? Int })
        XCTAssertFalse(done.isEmpty)
        let again = try rscript(shell(["--chunk", "1", "--workers", "1"], frames: "1-4"))
        XCTAssertEqual(again.status, 0, again.stderr)
        if done.count < 4 {
            XCTAssertTrue(again.stderr.contains("left running by an rscript that is gone") || again.stdout.contains("\"render\":0"),
                          "the dead rscript's array is cancelled first: " + again.stderr)
        }
        XCTAssertEqual(try ourTasks(states: "PENDING,RUNNING,COMPLETING"), [])
        let rendered = Set(events(again.stdout, "chunkStart").compactMap { $0["first"] as? Int })
        XCTAssertTrue(rendered.isDisjoint(with: done), "frames done before the kill are not submitted again: \(rendered) vs \(done)")
        for frame in 1...4 { XCTAssertNotNil(pngSize(folder + "/out/scene_000\(frame).png"), "frame \(frame)") }
    }

    func testArraysLongerThanMaxArraySizeAreSplit() throws {
        let result = try rscript(shell(["--chunk", "1"], frames: "1-5"), extraEnvironment: ["RSCRIPT_SLURM_MAX_ARRAY_SIZE": "2"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let jobs = events(result.stdout, "chunkStart").compactMap { $0["slurmJob"] as? String }
        XCTAssertEqual(jobs.count, 5)
        let arrays = Set(jobs.compactMap { $0.split(separator: "_").first })
        XCTAssertEqual(arrays.count, 3, "5 tasks in arrays of at most 2: \(jobs)")
        XCTAssertEqual(Set(jobs.compactMap { $0.split(separator: "_").last.flatMap { Int($0) } }), [0, 1], "indices stay below 2")
    }

    func testAStalledChunkIsCancelledAndRetried() throws {
        let result = try rscript(shell(["--option", "mode=stall-once", "--option", "marker=\(folder)/marker", "--stall", "1",
                                        "--chunk", "1"], frames: "1"))
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let failed = try XCTUnwrap(events(result.stdout, "chunkFailed").first, result.stdout)
        XCTAssertTrue((failed["reason"] as? String ?? "").contains("printed nothing for 1 s: killed"), "\(failed)")
        XCTAssertEqual(failed["retry"] as? Bool, true)
        XCTAssertEqual(Set(events(result.stdout, "chunkStart").compactMap { $0["slurmJob"] as? String }).count, 2)
        XCTAssertEqual(try ourTasks(states: "CANCELLED").count, 1, "the stalled task was cancelled")
    }

    /// "Slow" renders each frame of a chunk in half a second (sleep, then copy fixture.png).
    static let slowPlugin = """
        local BackgroundRenderer = require("rscript.backgroundrenderer")
        local Slow = BackgroundRenderer:extend("SlowFrames")
        function Slow:startBackgroundRender() end
        function Slow:isRenderFinished() return true end
        function Slow:chunkStartupSeconds() return 0 end
        function Slow:framePath(output, frame)
          return (output:gsub("#+", function(h) return string.format("%0" .. #h .. "d", frame) end, 1)) .. ".png"
        end
        function Slow:chunkCommand(scene, chunk, output, options)
          local lines = {}
          for _, f in ipairs(chunk.frames) do
            lines[#lines + 1] = "echo frame " .. f .. " start; sleep 0.5; cp '" .. options.plugin.png .. "' '" .. self:framePath(output, f) .. "'; echo frame " .. f .. " saved"
          end
          return { "sh", "-c", table.concat(lines, "\\n") }
        end
        function Slow:parseChunkProgress(line)
          local f = line:match("^frame (%d+) start")
          if f then return { frame = tonumber(f), percent = 0 } end
          f = line:match("^frame (%d+) saved")
          if f then return { frame = tonumber(f), done = true } end
        end
        function registerBackgroundRenderers(manager) manager:registerBackgroundRenderer("Slow", Slow) end
        """

    func testKillingSlurmdMidRenderStillEndsWithEveryFrame() throws {
        try Self.slowPlugin.write(toFile: folder + "/plugins/backgroundrenderers/slow.lua", atomically: true, encoding: .utf8)
        let pidFile = (ProcessInfo.processInfo.environment["RSCRIPT_SLURM_DIR"] ?? "/var/tmp/rscript-slurm") + "/run/slurmd.pid"
        let pid = try XCTUnwrap(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)),
                                "slurmd's pid file \(pidFile): start one with: bash tools/slurm.sh start")
        let render = try Background(["render", folder + "/scene.txt", "--renderer", "Slow", "--frames", "1-6", "--chunk", "1",
                                     "--workers", "2", "--output", "out", "--json", "--farm", "slurm", "--retries", "3",
                                     "--slurm-opt=--job-name=\(jobName)", "--option", "png=\(folder)/fixture.png"],
                                    environment: environment, directory: folder)
        render.wait(for: "\"chunkStart\"")
        XCTAssertEqual(kill(pid, SIGKILL), 0, "slurmd is killed")
        usleep(1_500_000)
        let restart = try Self.command(["bash", RScriptBinary.repositoryRoot + "/tools/slurm.sh", "start"])
        XCTAssertEqual(restart.status, 0, restart.output)
        XCTAssertEqual(render.finish(seconds: 60), 0, render.text)
        for frame in 1...6 { XCTAssertNotNil(pngSize(folder + "/out/scene_000\(frame).png"), "frame \(frame)") }
        XCTAssertEqual(events(render.text, "end").first?["state"] as? String, "finished")
    }

    // MARK: - Jobs on Slurm

    private func writeJobScripts() throws {
        try """
            update_job_progress(0.5, "half")
            require("rscript.time").sleep(0.2)
            return { sum = passed_data.a + passed_data.b, node = os.getenv("SLURM_JOB_ID") }
            """.write(toFile: folder + "/sum.lua", atomically: true, encoding: .utf8)
        try "error('boom in the job')".write(toFile: folder + "/fail.lua", atomically: true, encoding: .utf8)
        try """
            for i = 1, 8 do update_job_progress(i / 8, "step " .. i); require("rscript.time").sleep(0.4) end
            return "slept"
            """.write(toFile: folder + "/long.lua", atomically: true, encoding: .utf8)
    }

    func testAddJobOnSlurmReturnsItsDataAndRetriesAFailure() throws {
        try writeJobScripts()
        let script = """
            local JobManager = require("rscript.jobmanager")
            local jm = JobManager.get_instance{farm = "slurm", slurm = {time = 5}}
            assert(jm:add_job("sum", "sum.lua", {passed_data = {a = 2, b = 3}}))
            assert(jm:add_job("bad", "fail.lua", {max_attempts = 2, slurm = {time = 5, cpus = 1}}))
            assert(jm:add_job("here", "sum.lua", {farm = "local", passed_data = {a = 1, b = 1}}))
            local ok, message = jm:add_job("odd", "sum.lua", {slurm = {nodes = 3}})
            assert(not ok and message:find("unknown slurm option 'nodes'"), message)
            assert(jm:wait() == false)
            local sum = jm:get_retrieved_python_data("sum")
            assert(jm:get_job_state("sum") == "COMPLETED" and sum.sum == 5, jm:get_issue_string("sum"))
            local info = jm:get_job_info("sum")
            assert(math.type(info.slurm.job) == "integer" and info.slurm.running == false)
            assert(tostring(info.slurm.job) == sum.node, "the job ran as Slurm job " .. tostring(sum.node))
            assert(info.slurm.options.time == 5)
            local fraction, text = jm:get_job_progress("sum")
            assert(fraction == 1 and text == "half", tostring(text))
            assert(jm:get_job_state("bad") == "DROPPED")
            assert(jm:get_issue_string("bad"):find("boom in the job"), jm:get_issue_string("bad"))
            assert(jm:get_job_info("bad").attempts == 2)
            assert(jm:get_job_info("here").slurm == nil and jm:get_retrieved_python_data("here").node == nil)
            print("ok")
            """
        try script.write(toFile: folder + "/main.lua", atomically: true, encoding: .utf8)
        let result = try rscript(["run", "main.lua"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("ok"), result.stdout + result.stderr)
        let log = try String(contentsOfFile: folder + "/gallery-jobs/2.log", encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: "submitted as Slurm job").count, 3, "two attempts, two Slurm jobs: \(log)")
    }

    func testKillAndTimeoutCancelTheSlurmJob() throws {
        try writeJobScripts()
        let script = """
            local JobManager = require("rscript.jobmanager")
            local jm = JobManager.get_instance{farm = "slurm"}
            local time = require("rscript.time")
            assert(jm:add_job("killed", "long.lua"))
            assert(jm:add_job("slow", "long.lua", {timeout = 1}))
            while not (jm:get_job_info("killed").slurm or {}).running do time.sleep(0.05) end
            local id = jm:get_job_info("killed").slurm.job
            assert(jm:kill_job("killed"))
            assert(jm:wait("killed") == "KILLED")
            local squeue = io.popen("squeue -h -j " .. id .. " -o %T")
            local left = squeue:read("a")
            squeue:close()
            assert(left == "", "Slurm reports the killed job gone: " .. left)
            assert(jm:wait("slow") == "TIMED_OUT" and jm:get_issue_string("slow") == "timed out")
            print("ok")
            """
        try script.write(toFile: folder + "/main.lua", atomically: true, encoding: .utf8)
        let result = try rscript(["run", "main.lua"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("ok"), result.stdout + result.stderr)
    }

    func testAJobWhoseSubmitterWasKilledIsFollowedNotSubmittedAgain() throws {
        try writeJobScripts()
        try """
            local JobManager = require("rscript.jobmanager")
            local jm = JobManager.get_instance()
            assert(jm:add_job("long", "long.lua", {farm = "slurm"}))
            local time = require("rscript.time")
            while not (jm:get_job_info("long").slurm or {}).running do time.sleep(0.05) end
            print("submitted " .. jm:get_job_info("long").slurm.job)
            io.stdout:flush()
            time.sleep(60)
            """.write(toFile: folder + "/submit.lua", atomically: true, encoding: .utf8)
        try """
            local JobManager = require("rscript.jobmanager")
            local jm = JobManager.get_instance()
            local state = jm:wait("long")
            print("state " .. state .. " result " .. tostring(jm:get_retrieved_python_data("long"))
                  .. " job " .. jm:get_job_info("long").slurm.job .. " attempts " .. jm:get_job_info("long").attempts)
            """.write(toFile: folder + "/takeover.lua", atomically: true, encoding: .utf8)
        let submitter = try Background(["run", "submit.lua"], environment: environment, directory: folder)
        submitter.wait(for: "submitted ")
        usleep(100_000)
        kill(submitter.process.processIdentifier, SIGKILL)
        _ = submitter.finish()
        let job = try XCTUnwrap(submitter.text.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }, submitter.text)
        let result = try rscript(["run", "takeover.lua"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("state COMPLETED result slept job \(job) attempts 1"), result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("took over 1 job(s)"), result.stderr)
        XCTAssertEqual(try Self.command(["squeue", "-h", "-t", "all", "-n", "rscript-job:long", "-o", "%i"]).output
            .split(separator: "\n").filter { $0 == Substring(job) }.count, 1)
    }

    // MARK: - The Slurm background renderer

    func testTheSlurmBackgroundRendererRendersThroughPOVRayOnANode() throws {
        let listed = try rscript(["renderers"])
        XCTAssertTrue(listed.stdout.split(separator: "\n").contains { $0.hasPrefix("Slurm ") && $0.contains(" SlurmRender ") && $0.hasSuffix("/slurm.lua") }, listed.stdout)
        let result = try rscript(["render", Self.scenes + "/spheres.pov", "--renderer", "Slurm", "--option", "renderer=POV-Ray",
                                  "--option", "sbatch=--job-name=\(jobName)", "--option", "poll=0.2", "--res", "48x36", "--json"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let end = try XCTUnwrap(events(result.stdout, "end").first, result.stdout)
        XCTAssertEqual(end["state"] as? String, "finished")
        let metadata = try XCTUnwrap(end["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["state"] as? String, "COMPLETED")
        XCTAssertEqual(metadata["renderer"] as? String, "POV-Ray")
        XCTAssertNotNil(metadata["node"] as? String)
        XCTAssertNotNil(metadata["totalClockTime"] as? Double)
        let job = try XCTUnwrap(metadata["slurmJob"] as? Int)
        XCTAssertEqual(try ourTasks(states: "all"), [String(job)], "one Slurm job, of our name")
        let image = try XCTUnwrap((end["images"] as? [String])?.last)
        XCTAssertEqual(pngSize(image).map { [$0.0, $0.1] }, [48, 36])
        let states = events(result.stdout, "progress").compactMap { ($0["metadata"] as? [String: Any])?["state"] as? String }
        XCTAssertTrue(states.contains("RUNNING"), "\(states)")
    }

    func testStoppingTheSlurmBackgroundRendererCancelsItsJob() throws {
        let render = try Background(["render", folder + "/scene.txt", "--renderer", "Slurm", "--option", "renderer=Command",
                                     "--option", "command=sleep 30", "--option", "sbatch=--job-name=\(jobName)",
                                     "--option", "poll=0.2", "--json"], environment: environment, directory: folder)
        render.wait(for: "\"RUNNING\"")
        kill(render.process.processIdentifier, SIGINT)
        XCTAssertEqual(render.finish(), 130, render.text)
        XCTAssertEqual(try ourTasks(states: "PENDING,RUNNING,COMPLETING"), [], "Slurm reports the job gone")
        XCTAssertEqual(try ourTasks(states: "CANCELLED").count, 1)
    }

    // MARK: - Bad input

    func testBadInputIsRefusedWithNothingSubmitted() throws {
        let partition = try rscript(shell(["--partition", "nosuchpartition"], frames: "1-2"))
        XCTAssertEqual(partition.status, 1)
        XCTAssertTrue(partition.stderr.contains("invalid partition specified: nosuchpartition"), partition.stderr)

        let option = try rscript(shell(["--slurm-opt=--no-such-sbatch-option"], frames: "1-2"))
        XCTAssertEqual(option.status, 1)
        XCTAssertTrue(option.stderr.contains("sbatch: "), option.stderr)

        // No sbatch in PATH: the command that starts a cluster.
        let bin = folder + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/sh", withDestinationPath: "/bin/sh")
        let missing = try rscript(shell([], frames: "1-2"), extraEnvironment: ["PATH": bin])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("start one with: bash tools/slurm.sh start"), missing.stderr)

        let flag = try rscript(["render", folder + "/scene.txt", "--renderer", "Shell", "--frames", "1", "--partition", "main"])
        XCTAssertEqual(flag.status, 64)
        XCTAssertTrue(flag.stderr.contains("--partition and --slurm-opt are for --farm slurm"), flag.stderr)
        XCTAssertEqual(try ourTasks(states: "all"), [], "nothing was submitted")
    }
    /// A scene the nodes cannot see is refused before anything is submitted. The scene lives on
    /// a tmpfs mounted in a mount namespace of rscript's own (unshare -m): this process sees it,
    /// slurmd does not. RSCRIPT_SLURM_CHECK_PATHS=always makes the single-node cluster check.
    func testASceneTheNodesCannotSeeIsRefusedWithNothingSubmitted() throws {
        try requireCluster()
        let mountPoint = folder + "/private"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let render = [RScriptBinary.path, "render", mountPoint + "/orbit.pov", "--renderer", "POV-Ray", "--frames", "1-2",
                      "--farm", "slurm", "--slurm-opt=--job-name=\(jobName)"].map { "'\($0)'" }.joined(separator: " ")
        let script = "mount -t tmpfs none '\(mountPoint)' && cp '\(Self.scenes)/orbit.pov' '\(mountPoint)/' && cd '\(mountPoint)' && "
            + "RSCRIPT_SLURM_CHECK_PATHS=always RSCRIPT_DB='\(folder)/gallery.db' exec \(render)"
        let refused = try Self.command(["unshare", "-m", "sh", "-c", script])
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.output.contains("the nodes cannot see \(mountPoint)/orbit.pov"), refused.output)
        XCTAssertEqual(try ourTasks(states: "all"), [], "nothing was submitted")
    }
}


/// A test that needs the cluster and finds none fails with this.
private struct NoCluster: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A value shared with the squeue watcher thread.
private final class Atomic<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
