import Foundation
import RScriptTesting
import XCTest
@testable import LuaBridge

/// `LuaScheduler.setDeadline`: a task that outlives its deadline ends with a deadline error,
/// whether it is running (the limits hook) or waiting in a Swift call, and `pcall` cannot keep it.
final class LuaTaskDeadlineTests: XCTestCase {
    private func failure(of task: LuaScheduler.Task) -> LuaError? {
        if case .failure(let error) = task.result { return error }
        return nil
    }

    func testARunawayLoopThatCatchesErrorsEndsAtItsDeadline() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            let task = try spawn(scheduler, "while true do pcall(function() while true do end end) end")
            scheduler.setDeadline(task, seconds: 0.2)
            let start = Date()
            scheduler.run()
            XCTAssertEqual(failure(of: task)?.kind, .deadline, "\(String(describing: task.result))")
            XCTAssertLessThan(Date().timeIntervalSince(start), 2)
            // The state goes on: another task runs, with no deadline of its own.
            let next = try spawn(scheduler, "local n = 0 for i = 1, 1e6 do n = n + 1 end return n")
            scheduler.run()
            XCTAssertEqual(try next.result?.get(), [.int(1_000_000)])
        }
    }

    func testAWaitingTaskRaisesWhereItWaitsAndIsNotWokenAgain() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            registerSleep(state, scheduler)
            let task = try spawn(scheduler, """
                local ok, e = pcall(sleep, 5)
                finishedSleeping = true
                """)
            scheduler.setDeadline(task, seconds: 0.2)
            let start = Date()
            scheduler.run(until: { task.result != nil })
            XCTAssertLessThan(Date().timeIntervalSince(start), 2, "it did not wait out its sleep")
            let error = failure(of: task)
            XCTAssertEqual(error?.kind, .deadline)
            XCTAssertTrue(error?.message.contains("deadline exceeded (0.2 s") ?? false, "\(String(describing: error))")
            XCTAssertEqual(try state.global("finishedSleeping"), .nil, "pcall did not keep the deadline error")
            XCTAssertTrue(scheduler.liveTasks.isEmpty)
        }
    }

    func testATaskThatFinishesInTimeIsUntouched() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            registerSleep(state, scheduler)
            let task = try spawn(scheduler, "sleep(0.01) return 7")
            scheduler.setDeadline(task, seconds: 30)
            let start = Date()
            scheduler.run()
            XCTAssertEqual(try task.result?.get(), [.int(7)])
            // The deadline's timer went with the task: the loop ended without waiting out the 30 s.
            XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        }
    }
}
