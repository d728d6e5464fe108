import Foundation
import RScriptTesting
import XCTest

/// The bridge's promise at its edges, on the real binary: each script here crashed rscript
/// (segmentation fault, abort, illegal instruction) or ignored Ctrl-C before issue 15.
final class BridgeEdgeTests: XCTestCase {
    private func run(_ source: String, _ arguments: [String] = [], timeout: Double = 60) throws -> RScriptBinary.Result {
        let script = try RScriptBinary.temporaryScript(source)
        return try RScriptBinary.run(["run", script] + arguments, directory: (script as NSString).deletingLastPathComponent, timeout: timeout)
    }

    func testManyScriptArgumentsReachTheScript() throws {
        for count in [100, 100_000] {
            let result = try run(##"print(select("#", ...), #arg, arg[#arg])"##, (1...count).map(String.init))
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, "\(count)\t\(count)\t\(count)\n")
        }
        // `run FILE` skips ArgumentParser; the parsed path (`run -- FILE`) gives the same.
        let script = try RScriptBinary.temporaryScript(##"print(select("#", ...), arg[0]:match("[^/]+$"), arg[1], arg[2])"##)
        let fast = try RScriptBinary.run(["run", script, "a", "--b"])
        let parsed = try RScriptBinary.run(["run", "--", script, "a", "--b"])
        XCTAssertEqual(fast.stdout, "2\tscript.lua\ta\t--b\n", fast.stderr)
        XCTAssertEqual(parsed.stdout, fast.stdout, parsed.stderr)
        XCTAssertEqual(parsed.status, fast.status)
    }

    func testATaskReturnsManyAndDeepResults() throws {
        let result = try run("""
            local task = require("rscript.task")
            local t = {} for i = 1, 300 do t[i] = i end
            print(select("#", task.spawn(function() return table.unpack(t) end):wait()))
            local function nest(n) local r = {} local c = r for i = 2, n do c[1] = {} c = c[1] end return r end
            local function depth(v) local d = 0 while type(v) == "table" do d = d + 1 v = v[1] end return d end
            local ok, v = task.spawn(function() return nest(50) end):wait()
            print(ok, depth(v))
            print(task.spawn(function(x) return depth(x) end, nest(900)):wait())
            local args = {} for i = 1, 5000 do args[i] = i end
            print(task.spawn(function(...) return select("#", ...) end, table.unpack(args)):wait())
            print(task.spawn(function() return nest(1200) end):wait())
            print(task.spawn(function() return print end):wait())
            """)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(4)), ["301", "true\t50", "true\t900", "true\t5000"])
        XCTAssertTrue(lines[4].hasPrefix("false\ttask result #1: table nested too deeply"), lines[4])
        XCTAssertTrue(lines[5].hasPrefix("false\ttask result #1: cannot convert a function to data"), lines[5])
    }

    func testDeepPoolResultsAndJobDataArriveWholeOrFailByName() throws {
        let dir = (try RScriptBinary.temporaryScript("", name: "unused.lua") as NSString).deletingLastPathComponent
        try """
            return function(client, depth)
              local r = {} local c = r for i = 2, depth do c[1] = {} c = c[1] end return r
            end
            """.write(toFile: dir + "/deep_task.lua", atomically: true, encoding: .utf8)
        try """
            local r = {} local c = r for i = 2, passed_data.depth do c[1] = {} c = c[1] end
            python_data = r
            """.write(toFile: dir + "/deep_job.lua", atomically: true, encoding: .utf8)
        try """
            local function depth(v) local d = 0 while type(v) == "table" do d = d + 1 v = v[1] end return d end
            local pool = require("rscript.pool").new{ workers = 1 }
            for _, n in ipairs{300, 900, 1200} do
              local future = pool:apply_async("deep_task.lua", { n })
              local ok, v = pcall(future.get, future, 20)
              print("pool", n, ok, ok and depth(v) or v)
            end
            pool:close()
            local jm = require("rscript.jobmanager").get_instance()
            for _, n in ipairs{300, 1200} do
              local name = "deep" .. n .. "-" .. os.time() .. "-" .. math.random(1e9)
              assert(jm:add_job(name, "deep_job.lua", { passed_data = { depth = n } }))
              jm:wait(name)
              print("job", n, jm:get_job_state(name), depth(jm:get_retrieved_python_data(name)))
            end
            """.write(toFile: dir + "/main.lua", atomically: true, encoding: .utf8)
        let result = try RScriptBinary.run(["run", dir + "/main.lua"], directory: dir, timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, result.stdout + result.stderr)
        guard lines.count == 5 else { return }
        XCTAssertEqual(lines[0], "pool\t300\ttrue\t300")
        XCTAssertEqual(lines[1], "pool\t900\ttrue\t900")
        XCTAssertTrue(lines[2].hasPrefix("pool\t1200\tfalse\t") && lines[2].contains("nested too deeply"), lines[2])
        XCTAssertEqual(lines[3], "job\t300\tCOMPLETED\t300")
        XCTAssertTrue(lines[4].hasPrefix("job\t1200\t") && !lines[4].contains("COMPLETED"), "too deep to send is not a success: \(lines[4])")
    }

    func testDurationsThatDoNotFitAreArgumentErrors() throws {
        let result = try run("""
            local time = require("rscript.time")
            local process = require("rscript.process")
            for _, v in ipairs{-1e300, 1e19, 1e300, 0/0, math.huge, -1} do
              print(select(2, pcall(time.sleep, v)))
            end
            local p = process.spawn{"true"}
            print(select(2, pcall(p.wait, p, 1e19)))
            print(select(2, pcall(p.terminate, p, -1e300)))
            """)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 8, result.stdout)
        for line in lines.prefix(6) {
            XCTAssertTrue(line.contains("bad argument #1 to 'time.sleep' (number out of range"), line)
        }
        XCTAssertTrue(lines[6].contains("bad argument #2 to 'Process:wait' (number out of range"), lines[6])
        XCTAssertTrue(lines[7].contains("bad argument #2 to 'Process:terminate' (number out of range"), lines[7])
    }

    func testEmbeddedZerosInNamesAndPathsAreErrors() throws {
        let result = try run(#"""
            local process = require("rscript.process")
            print(pcall(process.spawn, { "true", log = "x\0y" }))
            print(pcall(process.spawn, { "echo\0x" }))
            print(pcall(process.spawn, { "true", env = { A = "1\0" } }))
            local jm = require("rscript.jobmanager").get_instance()
            print(jm:add_job("a\0b", "job.lua"))
            """#)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, result.stdout)
        for line in lines {
            XCTAssertTrue(line.hasPrefix("false\t") && line.contains("embedded zero"), line)
        }
    }

    /// Ctrl-C stops the script at the first press, also where it used to be ignored.
    func testCtrlCStopsALoopingToStringAndAnInPlaceSleep() throws {
        let bodies = [
            // the error object's __tostring loops while the error is reported
            "print('ready') io.stdout:flush() error(setmetatable({}, {__tostring = function() while true do end end}))",
            // a sleep where the task cannot suspend (a C boundary): it used to retry on EINTR
            "local time = require('rscript.time') string.gsub('a', 'a', function() print('ready') io.stdout:flush() time.sleep(30) end)",
        ]
        for body in bodies {
            let script = try RScriptBinary.temporaryScript(body)
            let run = try RScriptBinary.interruptWhenReady(["run", script], settle: 0.2)
            XCTAssertEqual(run.status, 130, body)
            XCTAssertLessThan(run.secondsToExit, 5, body)
        }
    }

    /// Lua turns hooks off in __gc finalizers, so no hook can stop one that loops. The watchdog
    /// ends the process when the first Ctrl-C goes unanswered for 2 s, and takes the children's
    /// process groups with it.
    func testCtrlCEndsALoopingFinalizerAndItsChildren() throws {
        let script = try RScriptBinary.temporaryScript("""
            local child = require('rscript.process').spawn({ 'sleep', '300' })
            print('child ' .. child.pid) print('ready') io.stdout:flush()
            setmetatable({}, { __gc = function() while true do end end })
            collectgarbage()
            """)
        let run = try RScriptBinary.interruptWhenReady(["run", script], settle: 0.2)
        XCTAssertEqual(run.status, 130, run.stdout)
        XCTAssertGreaterThan(run.secondsToExit, 1.5, "stopped before the watchdog's grace")
        XCTAssertLessThan(run.secondsToExit, 5)
        let pidText = run.stdout.split(separator: "\n").first { $0.hasPrefix("child ") }?.dropFirst(6)
        let pid = try XCTUnwrap(pidText.flatMap { pid_t($0) }, run.stdout)
        usleep(200_000)
        // Gone, or a zombie that nobody reaps (the exit reparented it)
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first ?? "gone"
        XCTAssertTrue(state == "gone" || state == "Z", "the child \(pid) outlived the emergency exit: \(stat)")
    }

    /// Found by the fuzzer: after Ctrl-C, the shutdown ran the loop (to let pools close) and so
    /// resumed a task that woke then, which looped with no interrupt left to stop it. A stopping
    /// runtime resumes none of the script's tasks, only its stop hooks.
    func testCtrlCDuringAWaitDoesNotResumeTasksThatWakeDuringTheShutdown() throws {
        let script = try RScriptBinary.temporaryScript("""
            local task, time = require('rscript.task'), require('rscript.time')
            require('rscript').onStop(function() time.sleep(1) end)  -- the shutdown runs the loop
            task.spawn(function() time.sleep(0.4) while true do end end)
            print('ready') io.stdout:flush()
            require('rscript.process').spawn({ 'sleep', '30' }):wait()
            """)
        let run = try RScriptBinary.interruptWhenReady(["run", script], settle: 0.2, timeout: 15)
        XCTAssertEqual(run.status, 130, run.stdout)
        XCTAssertLessThan(run.secondsToExit, 5)
    }
}
