import Foundation
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
}
