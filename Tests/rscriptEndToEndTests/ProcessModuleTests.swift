import Foundation
import RScriptTesting
import XCTest

/// `rscript.process` through the real binary: spawning, waiting without blocking, output
/// draining, process groups, signals.
final class ProcessModuleTests: XCTestCase {
    private func runLua(_ code: String, timeout: Double = 30) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["-e", code], timeout: timeout)
    }

    func testSpawnWaitPollAndExitCodes() throws {
        let result = try runLua("""
            local process = require('rscript.process')
            local p = process.spawn{ 'sh', '-c', 'echo out; echo err >&2; exit 3' }
            assert(type(p.pid) == 'number' and p.pid > 0)
            assert(p:wait() == 3)
            assert(p:poll() == 3)
            local lines = p:readLines()
            table.sort(lines)
            assert(#lines == 2 and lines[1] == 'err' and lines[2] == 'out', table.concat(lines, ','))
            assert(#p:readLines() == 0, 'readLines returns only new lines')
            local log = io.open(p.logPath):read('a')
            assert(log:find('out') and log:find('err'), log)
            local k = process.spawn{ 'sleep', '30' }
            assert(k:poll() == nil)
            k:kill('TERM')
            assert(k:wait() == -15, 'a signal gives its negative number')
            print('ok')
            """)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
        XCTAssertEqual(result.status, 0)
    }

    func testWaitDoesNotBlockOtherTasksAndTimesOut() throws {
        let result = try runLua("""
            local process, task, time = require('rscript.process'), require('rscript.task'), require('rscript.time')
            local t0 = time.monotonic()
            local p = process.spawn{ 'sleep', '0.5' }
            local ticks = 0
            local ticker = task.spawn(function() for i = 1, 4 do time.sleep(0.05) ticks = ticks + 1 end end)
            assert(p:wait(0.1) == nil, 'timeout returns nil')
            assert(p:wait() == 0)
            ticker:wait()
            assert(ticks == 4, 'other tasks ran while waiting')
            local elapsed = time.monotonic() - t0
            assert(elapsed >= 0.45 and elapsed < 2, elapsed)
            print('ok')
            """)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
    }

    func testCRSplitsProgressLinesAndChattyOutputNeverBlocks() throws {
        let result = try runLua("""
            local process = require('rscript.process')
            local p = process.spawn{ 'sh', '-c', 'printf "10%%\\r20%%\\r30%%\\n"; head -c 1000000 /dev/zero | tr "\\\\0" "x" | fold -w 100' }
            assert(p:wait() == 0)
            local lines = p:readLines()
            assert(lines[1] == '10%' and lines[2] == '20%' and lines[3] == '30%', lines[1])
            assert(#p:tail(5) == 5 and #p:tail(5)[5] == 100)
            local size = #io.open(p.logPath):read('a')
            assert(size > 1000000, size)
            print('ok')
            """, timeout: 60)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
    }

    func testTerminateReachesTheWholeProcessGroup() throws {
        let marker = NSTemporaryDirectory() + "rscript-group-\(UUID().uuidString)"
        let result = try runLua("""
            local process, time = require('rscript.process'), require('rscript.time')
            -- the child starts a grandchild that would touch the marker later
            local p = process.spawn{ 'sh', '-c', '(sleep 1; touch \(marker)) & trap "" TERM; sleep 30' }
            time.sleep(0.2)
            local code = p:terminate(0.3)   -- SIGTERM is ignored by sh: SIGKILL follows
            assert(code == -9, 'escalated to SIGKILL, got ' .. tostring(code))
            time.sleep(1.3)
            print('ok')
            """)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the grandchild survived the group kill")
    }

    func testStatsAndBadInput() throws {
        let result = try runLua("""
            local process, time = require('rscript.process'), require('rscript.time')
            local p = process.spawn{ 'sh', '-c', 'while :; do :; done' }  -- busy until killed, however fast the machine
            time.sleep(0.2)
            local s = p:stats()
            assert(s.running and s.rss > 0 and s.peakRss >= s.rss and s.cpu >= 0, 'live stats')
            p:kill()
            p:wait()
            local ok, err = pcall(process.spawn, { 'no-such-program-rscript' })
            assert(not ok and err:find("cannot run 'no%-such%-program%-rscript': No such file or directory"), err)
            ok, err = pcall(process.spawn, 'ls')
            assert(not ok and err:find("bad argument #1 to 'process.spawn' %(table expected, got string%)"), err)
            ok, err = pcall(process.spawn, { 'ls', cwd = '/nonexistent' })
            assert(not ok and err:find('does not exist'), err)
            ok, err = pcall(process.spawn, { 'ls', bogus = 1 })
            assert(not ok and err:find("unknown option 'bogus'"), err)
            local e = process.spawn{ 'sh', '-c', 'echo $RS_TEST', env = { RS_TEST = 'from env' } }
            e:wait()
            assert(e:readLines()[1] == 'from env')
            print('ok')
            """)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
    }

    func testCtrlCKillsRunningProcesses() throws {
        let pidFile = NSTemporaryDirectory() + "rscript-pid-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        process.arguments = ["-e", """
            local p = require('rscript.process').spawn{ 'sleep', '60' }
            local f = io.open('\(pidFile)', 'w') f:write(p.pid) f:close()
            p:wait()
            """]
        process.standardError = Pipe()
        try process.run()
        var pid: Int32 = 0
        for _ in 0..<200 where pid == 0 {
            usleep(20_000)
            pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "") ?? 0
        }
        XCTAssertGreaterThan(pid, 0)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        // The killed child is reaped by whoever adopts it once rscript is gone; give that a
        // moment, and count a zombie (killed, not yet reaped) as gone.
        func alive() -> Bool {
            guard kill(pid, 0) == 0 else { return false }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false)
        }
        for _ in 0..<100 where alive() { usleep(20_000) }
        XCTAssertFalse(alive(), "the child process survived Ctrl-C")
    }
}
