import CLuaShim
import Foundation
import Synchronization
import LuaBridge
import RScriptTesting
@testable import RenderAutomation
import XCTest

/// The worker processes and their message channel, driven from a runtime in this process with
/// the real `rscript worker` binary.
final class WorkerChannelTests: XCTestCase {
    override func setUp() {
        setenv("RSCRIPT_BIN", RScriptBinary.path, 1)
    }

    private func script(_ source: String) throws -> String {
        try RScriptBinary.temporaryScript(source, name: "task.lua")
    }

    func testCallsProgressResultsErrorsAndDeath() throws {
        let runtime = try ScriptRuntime(options: .init())
        let task = try script("""
            return function(client, a, b)
              client.state.calls = (client.state.calls or 0) + 1
              client:progress(0.5, "half")
              if a == "boom" then error("task failed on purpose") end
              if a == "die" then os.exit(7) end
              return { sum = a + b, worker = client.id, calls = client.state.calls }
            end
            """)
        let worker = try runtime.workers.spawn(id: 3)
        var results: [Result<JSONValue, WorkerFailure>] = []
        var progress: [String] = []
        worker.call(script: task, arguments: [1, 2], progress: { f, m in progress.append("\(f) \(m ?? "")") }) { results.append($0) }
        worker.call(script: task, arguments: [10, 20]) { results.append($0) }
        worker.call(script: task, arguments: ["boom", 0]) { results.append($0) }
        runtime.scheduler.run(until: { results.count == 3 })
        XCTAssertEqual(try results[0].get(), .object(["sum": 3, "worker": 3, "calls": 1]))
        XCTAssertEqual(try results[1].get(), .object(["sum": 30, "worker": 3, "calls": 2]), "the script loads once; client.state persists")
        guard case .failure(.raised(let message, let traceback)) = results[2] else { return XCTFail("\(results[2])") }
        XCTAssertTrue(message.contains("task.lua:4: task failed on purpose"), message)
        XCTAssertTrue(traceback?.contains("stack traceback") ?? false)
        XCTAssertEqual(progress, ["0.5 half"])
        worker.call(script: task, arguments: ["die", 0]) { results.append($0) }
        runtime.scheduler.run(until: { results.count == 4 })
        guard case .failure(.died(let status, _)) = results[3] else { return XCTFail("\(results[3])") }
        XCTAssertEqual(status.code, 7)
    }

    func testJobsGetPassedDataAndReturnPythonData() throws {
        let runtime = try ScriptRuntime(options: .init())
        let job = try script("""
            local n = passed_data.frames
            for i = 1, n do update_job_progress(i / n, "frame " .. i) end
            python_data = { result = 42, frames = n }
            """)
        let worker = try runtime.workers.spawn(id: 1)
        var result: Result<JSONValue, WorkerFailure>?
        var fractions: [Double] = []
        worker.runJob(script: job, data: .object(["frames": 4]), progress: { f, _ in fractions.append(f) }) { result = $0 }
        runtime.scheduler.run(until: { result != nil })
        XCTAssertEqual(try result?.get(), .object(["result": 42, "frames": 4]))
        XCTAssertEqual(fractions, [0.25, 0.5, 0.75, 1.0])
        worker.shutdown()
        runtime.scheduler.run(until: { !worker.isAlive })
        XCTAssertEqual(worker.process.exitStatus?.code, 0, "a worker exits when its channel closes")
    }

    /// Messages far over the pipe's 64 KiB cross whole, in both directions, in order.
    func testMessagesOverSixtyFourKiBCrossBothWays() throws {
        let runtime = try ScriptRuntime(options: .init())
        let task = try script("""
            return function(client, s, n)
              return { reversed = s:reverse(), length = #s, n = n, big = string.rep(s:sub(1, 7), n) }
            end
            """)
        let worker = try runtime.workers.spawn(id: 1)
        // 300 KiB of varied text, so a lost or reordered chunk shows.
        let text = (0..<30_000).map { String(format: "%09d|", $0) }.joined()
        var results: [Int: Result<JSONValue, WorkerFailure>] = [:]
        for n in 1...3 {
            worker.call(script: task, arguments: [.string(text), .int(Int64(n) * 50_000)]) { results[n] = $0 }
        }
        runtime.scheduler.run(until: { results.count == 3 })
        for n in 1...3 {
            let value = try XCTUnwrap(results[n]).get()
            guard case .object(let object) = value else { return XCTFail("\(value)") }
            XCTAssertEqual(object["length"], .int(Int64(text.utf8.count)))
            XCTAssertEqual(object["n"], .int(Int64(n) * 50_000), "the answers come back to their own calls")
            XCTAssertEqual(object["reversed"], .string(String(text.reversed())))
            XCTAssertEqual(object["big"], .string(String(repeating: String(text.prefix(7)), count: n * 50_000)))
        }
    }

    /// A worker stopped with SIGSTOP reads nothing; the parent's sends queue instead of blocking,
    /// its timers keep firing, and once the worker continues every call is answered.
    func testAStoppedWorkerDoesNotStallTheParentsLoop() throws {
        let runtime = try ScriptRuntime(options: .init())
        let task = try script("return function(client, s, i) return { length = #s, i = i } end")
        let worker = try runtime.workers.spawn(id: 1)
        var ready = false
        worker.whenReady { ready = true }
        runtime.scheduler.run(until: { ready })
        let pid = worker.process.pid
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        // If a send blocked, only this would end it: the test then fails on its times, not hangs.
        let continued = Mutex(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
            if !continued.withLock({ $0 }) { kill(pid, SIGCONT) }
        }
        let payload = String(repeating: "x", count: 256 * 1024)
        let start = rscript_monotonic()
        var results: [Result<JSONValue, WorkerFailure>] = []
        for i in 1...4 {
            worker.call(script: task, arguments: [.string(payload), .int(Int64(i))]) { results.append($0) }
        }
        let sent = rscript_monotonic() - start
        XCTAssertGreaterThan(worker.process.unsentChannelBytes, 0, "1 MiB does not fit a stopped reader's pipe")
        var ticks: [Double] = []
        for k in 1...5 {
            runtime.scheduler.after(Double(k) * 0.1) { ticks.append(rscript_monotonic() - start) }
        }
        runtime.scheduler.after(0.8) {
            continued.withLock { $0 = true }
            kill(pid, SIGCONT)
        }
        runtime.scheduler.run(until: { results.count == 4 })
        XCTAssertLessThan(sent, 0.5, "sending to a stopped worker returned at once")
        XCTAssertEqual(ticks.count, 5)
        for (k, tick) in ticks.enumerated() {
            XCTAssertLessThan(tick, Double(k + 1) * 0.1 + 0.5, "timer \(k + 1) fired on time while the worker was stopped")
        }
        XCTAssertEqual(try results.map { try $0.get() },
                       (1...4).map { JSONValue.object(["length": .int(256 * 1024), "i": .int(Int64($0))]) })
        XCTAssertEqual(worker.process.unsentChannelBytes, 0)
        worker.shutdown()
        runtime.scheduler.run(until: { !worker.isAlive })
        XCTAssertEqual(worker.process.exitStatus?.code, 0)
    }
}
