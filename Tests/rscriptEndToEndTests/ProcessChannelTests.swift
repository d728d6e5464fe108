import Foundation
import RScriptTesting
import XCTest

/// `process.spawn{..., channel = true}`: JSON lines to the child's fd 3 and from its fd 4, through
/// the real binary; `keepAlive = false`.
final class ProcessChannelTests: XCTestCase {
    private func runLua(_ code: String, timeout: Double = 30) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["-e", code], timeout: timeout)
    }

    func testSendReceiveTimeoutEndAndOtherTasksRun() throws {
        let result = try runLua("""
            local process, task, time = require('rscript.process'), require('rscript.task'), require('rscript.time')
            local p = process.spawn{ 'sh', '-c', 'echo started; while read l <&3; do echo "got $l" >&4; done; echo bye >&4; exit 5', channel = true }
            assert(p:send('a') and p:send('{"x": 1}'))
            assert(p:receive() == 'got a')
            assert(p:receive() == 'got {"x": 1}')
            local ticks = 0
            local ticker = task.spawn(function() for i = 1, 3 do time.sleep(0.02) ticks = ticks + 1 end end)
            local t0 = time.monotonic()
            assert(p:receive(0.2) == nil, 'nothing within the timeout')
            assert(time.monotonic() - t0 >= 0.15)
            ticker:wait()
            assert(ticks == 3, 'other tasks ran while receive waited')
            assert(p:receive(0) == nil, 'a zero timeout does not wait')
            local ok, message = pcall(p.send, p, 'two\\nlines')
            assert(not ok and message:find('must not contain a newline', 1, true), message)
            p:closeChannel()
            assert(p:receive() == 'bye', 'lines written just before the exit arrive')
            assert(p:receive() == nil, 'then nil: the process ended')
            assert(p:wait() == 5)
            assert(p:send('late') == false, 'send after the exit')
            assert(p:readLines()[1] == 'started', 'stdout still goes to the log')
            local plain = process.spawn{ 'true' }
            ok, message = pcall(plain.receive, plain)
            assert(not ok and message:find('spawn it with channel = true', 1, true), message)
            ok, message = pcall(process.spawn, { 'true', channel = 'yes' })
            assert(not ok and message:find('channel must be a boolean', 1, true), message)
            print('ok')
            """)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
        XCTAssertEqual(result.status, 0)
    }

    func testKeepAliveFalseLetsTheScriptEndAndAWaitingTaskHoldsTheLoop() throws {
        let start = Date()
        let result = try runLua("""
            local process = require('rscript.process')
            local idle = process.spawn{ 'sleep', '30', keepAlive = false, channel = true }
            local server = process.spawn{ 'sh', '-c', 'sleep 0.3; echo late >&4', keepAlive = false, channel = true }
            assert(server:receive() == 'late', 'a task waiting on a detached process keeps the script running')
            local waited = process.spawn{ 'sleep', '0.2', keepAlive = false }
            assert(waited:wait() == 0)
            print('ok')
            """)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
        XCTAssertEqual(result.status, 0)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "the idle process did not keep the script running")
    }
}
