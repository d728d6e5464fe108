import CLuaShim
import Foundation
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Tasks that suspend in Swift and are woken by timers or by other threads
/// (`Tasks/LuaScheduler.swift`, `Tasks/Mailbox.swift`).
final class LuaSchedulerTests: XCTestCase {
    func testManyTasksSuspendAndAllFinish() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            registerSleep(state, scheduler)
            let body = try state.load("""
                local i = ...
                local echoed, extra = sleep((i % 7) / 1000, i, "x")
                assert(echoed == i and extra == "x")
                assert(select("#", sleep(0)) == 0)
                return i * 2
                """, chunkName: "=task")
            var results: [Int: LuaValue] = [:]
            var tasks: [LuaScheduler.Task] = []
            for i in 1...1000 {
                tasks.append(scheduler.spawn(body, arguments: [.int(Int64(i))], name: "t\(i)") { result in
                    results[i] = (try? result.get())?.first ?? .string("failed: \(result)")
                })
            }
            XCTAssertEqual(scheduler.liveTasks.count, 1000)
            scheduler.run()
            XCTAssertEqual(results.count, 1000)
            for i in 1...1000 { XCTAssertEqual(results[i], .int(Int64(i * 2)), "task \(i)") }
            XCTAssertTrue(tasks.allSatisfy { $0.state == .finished })
            XCTAssertTrue(scheduler.liveTasks.isEmpty)
            XCTAssertFalse(scheduler.hasPendingWork)
            XCTAssertNil(scheduler.currentTask)
        }
    }

    func testWakeValuesBecomeTheResultsOfTheSuspendingCall() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            var waiting: LuaScheduler.Task?
            state.register("wait") { call in
                waiting = scheduler.currentTask
                return call.suspend()
            }
            let task = try spawn(scheduler, """
                local a, b, c, d, e = wait()
                assert(a == 1 and math.type(a) == "integer" and b == nil and c == "x" and d[2] == 2 and e.k == true)
                assert(select("#", wait()) == 0)
                return a, c, select("#", wait())
                """)
            scheduler.run()
            XCTAssertEqual(task.state, .suspended, "nothing woke it, so the loop ended with it waiting")
            XCTAssertTrue(waiting === task)
            scheduler.wake(task, with: [1, nil, "x", [1, 2], ["k": true]])
            scheduler.run()
            XCTAssertEqual(task.state, .suspended)
            scheduler.wake(task)
            scheduler.run()
            scheduler.wake(task) { L in
                lua_pushboolean(L, 1)
                lua_pushboolean(L, 0)
                return 2
            }
            scheduler.run()
            XCTAssertEqual(task.state, .finished)
            XCTAssertEqual(try task.result?.get(), [1, "x", 2])
        }
    }

    func testFailedTasksReportTheirError() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            registerSleep(state, scheduler)
            var unhandled: [String] = []
            scheduler.onUnhandledError = { task, error in unhandled.append("\(task.name): \(error.message)") }
            let body = try state.load("sleep(0) error('late failure')", chunkName: "=failing")
            var reported: LuaError?
            scheduler.spawn(body, name: "handled") { result in
                if case .failure(let error) = result { reported = error }
            }
            let waited = scheduler.spawn(body, name: "waited")
            var waitedResult: Result<[LuaValue], LuaError>?
            waited.whenDone { waitedResult = $0 }
            scheduler.spawn(body, name: "unhandled")
            scheduler.run()
            XCTAssertEqual(reported?.message, "failing:1: late failure")
            XCTAssertTrue(reported?.traceback?.contains("stack traceback:") == true)
            XCTAssertEqual(waited.state, .failed)
            guard case .failure(let error)? = waitedResult else { return XCTFail() }
            XCTAssertEqual(error.message, "failing:1: late failure")
            XCTAssertEqual(unhandled, ["unhandled: failing:1: late failure"])
            var late: Result<[LuaValue], LuaError>?
            waited.whenDone { late = $0 }
            XCTAssertNotNil(late, "whenDone on a finished task runs at once")
        }
    }

    func testTimersFireInDeadlineOrderAndCanBeCancelled() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            var fired: [String] = []
            scheduler.after(0.03) { fired.append("c") }
            scheduler.after(0.01) { fired.append("a") }
            let cancelled = scheduler.after(0.02) { fired.append("cancelled") }
            scheduler.after(0.02) { fired.append("b") }
            scheduler.cancelTimer(cancelled)
            let start = ContinuousClock.now
            scheduler.run()
            XCTAssertEqual(fired, ["a", "b", "c"])
            XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(29))

            var ran = false
            scheduler.run(until: { true })
            scheduler.after(0) { ran = true }
            scheduler.run(until: { ran })
            XCTAssertTrue(ran)
        }
    }

    func testTimersDueInTheSameMillisecondFireInOneTurnAndNeverEarly() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            var turns = 0
            scheduler.onTurn = { turns += 1 }
            var fired: [(String, Double)] = []
            let start = rscript_monotonic()
            // Twenty timers inside one millisecond, 20 ms from now, then one a further 10 ms on.
            for i in 0..<20 {
                let wanted = 0.020 + Double(i) * 0.00004
                scheduler.after(wanted) { fired.append(("t\(i)", rscript_monotonic() - start - wanted)) }
            }
            scheduler.after(0.030) { fired.append(("late", rscript_monotonic() - start - 0.030)) }
            scheduler.run()
            XCTAssertEqual(fired.map(\.0), (0..<20).map { "t\($0)" } + ["late"], "in deadline order")
            for (name, lateness) in fired {
                XCTAssertGreaterThanOrEqual(lateness, 0, "\(name) fired early")
            }
            // A wake-up for the first millisecond, at most one more, one for the last timer,
            // and the turns around them: far fewer than one per timer.
            XCTAssertLessThanOrEqual(turns, 8, "\(turns) turns for 21 timers")
            for (deadline, tolerance) in [(12.0004, 0.001), (12.001, 0.001), (5000.1234, 0.01), (7.5, 0.0001)] {
                let coalesced = LuaScheduler.coalescedDeadline(deadline, tolerance: tolerance)
                XCTAssertGreaterThanOrEqual(coalesced, deadline, "never earlier")
                XCTAssertLessThanOrEqual(coalesced - deadline, max(tolerance, 0.001) + 1e-9, "late by less than the tolerance")
            }
            XCTAssertEqual(LuaScheduler.coalescedDeadline(12.0004), LuaScheduler.coalescedDeadline(12.0007), "one wake-up")
        }
    }

    func testMailboxPostFromAnotherThreadWakesATask() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            state.register("fromThread") { call in
                guard let task = scheduler.currentTask else { throw LuaScriptError("not in a task") }
                let id = task.id
                let label = try call.string(1)
                let mailbox = scheduler.mailbox
                scheduler.hold()  // the loop must wait for the thread
                Thread.detachNewThread {
                    Thread.sleep(forTimeInterval: 0.02)
                    mailbox.post { scheduler in
                        scheduler.release()
                        guard let task = scheduler.liveTasks[id] else { return }
                        scheduler.wake(task, with: [.string("\(label) woken")])
                    }
                }
                return call.suspend()
            }
            let task = try spawn(scheduler, "return fromThread('a'), fromThread('b')")
            scheduler.run()
            XCTAssertEqual(try task.result?.get(), ["a woken", "b woken"])
        }
    }

    /// Work that fails off the loop makes the suspended call raise, where the call was made (a
    /// `pcall` catches it, with the caller's position); other wakes still return values.
    func testAResolveRaisingMakesTheSuspendedCallRaise() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            var tokens: [LuaScheduler.WakeToken] = []
            state.register("work") { call in
                tokens.append(scheduler.suspendCurrentTask()!)
                return call.suspend()
            }
            let task = try spawn(scheduler, """
                local ok, err = pcall(function()
                  work()
                end)
                local value = work()
                return ok, err, value
                """)
            scheduler.run()
            XCTAssertEqual(tokens.count, 1)
            XCTAssertTrue(scheduler.resolve(tokens[0], raising: "write failed: disk full"))
            XCTAssertFalse(scheduler.resolve(tokens[0], raising: "again"), "a token wakes once")
            scheduler.run()
            XCTAssertEqual(tokens.count, 2, "the task went on after the error was caught")
            scheduler.resolve(tokens[1], with: ["fine"])
            scheduler.run()
            XCTAssertEqual(try task.result?.get(), [false, "task:2: write failed: disk full", "fine"])
        }
    }

    func testManyThreadsPostingAtOnce() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            var suspended: [Int] = []
            state.register("park") { call in
                suspended.append(scheduler.currentTask!.id)
                return call.suspend()
            }
            let body = try state.load("return (park())", chunkName: "=parked")
            let tasks = (0..<100).map { _ in scheduler.spawn(body) }
            scheduler.run()
            XCTAssertEqual(suspended.count, 100)
            let ids = suspended
            let mailbox = scheduler.mailbox
            scheduler.hold()
            DispatchQueue.global().async {
                DispatchQueue.concurrentPerform(iterations: ids.count) { i in
                    mailbox.post { scheduler in
                        if let task = scheduler.liveTasks[ids[i]] { scheduler.wake(task, with: [.int(Int64(i))]) }
                    }
                }
                mailbox.post { $0.release() }
            }
            scheduler.run()
            XCTAssertTrue(tasks.allSatisfy { $0.state == .finished })
            let values = tasks.compactMap { try? $0.result?.get().first?.intValue }
            XCTAssertEqual(Set(values), Set((0..<100).map(Int64.init)))
        }
    }
}
