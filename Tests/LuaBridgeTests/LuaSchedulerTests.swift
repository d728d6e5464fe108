import CLuaShim
import Foundation
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Tasks that suspend in Swift and are woken by timers or by other threads
/// (`Tasks/LuaScheduler.swift`, `Tasks/Mailbox.swift`).
final class LuaSchedulerTests: XCTestCase {
    /// `sleep(seconds, ...)`: suspends the task; after `seconds`, wakes it with the extra arguments,
    /// which become `sleep`'s results.
    private func registerSleep(_ state: LuaState, _ scheduler: LuaScheduler) {
        state.register("sleep") { call in
            guard let task = scheduler.currentTask else { throw LuaScriptError("sleep: not in a task") }
            let seconds = try call.number(1)
            var values: [LuaValue] = []
            if call.argumentCount > 1 {
                for i in 2...call.argumentCount { values.append(try call.value(i)) }
            }
            scheduler.after(seconds) { scheduler.wake(task, with: values) }
            return call.suspend()
        }
    }

    private func spawn(_ scheduler: LuaScheduler, _ source: String, arguments: [LuaValue] = []) throws -> LuaScheduler.Task {
        let body = try scheduler.state.load(source, chunkName: "=task")
        return scheduler.spawn(body, arguments: arguments)
    }

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

    func testSuspendingInsideACoroutineMadeByLua() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            registerSleep(state, scheduler)
            let task = try spawn(scheduler, """
                -- a generator that waits on Swift between its yields
                local gen = coroutine.wrap(function()
                  for i = 1, 3 do
                    local got = sleep(0.001, i * 10)
                    coroutine.yield(got)
                  end
                  return "done"
                end)
                local out = {}
                for i = 1, 4 do out[i] = gen() end

                -- the same with coroutine.resume, values flowing both ways
                local co = coroutine.create(function(a)
                  local x = sleep(0, a)
                  local y = coroutine.yield(x + 1)
                  return y * 2
                end)
                local ok1, v1 = coroutine.resume(co, 5)
                local ok2, v2 = coroutine.resume(co, 7)
                assert(ok1 and v1 == 6 and ok2 and v2 == 14 and coroutine.status(co) == "dead")

                -- two Lua coroutines deep
                local outer = coroutine.wrap(function()
                  local inner = coroutine.wrap(function() coroutine.yield(sleep(0, "deep")) end)
                  coroutine.yield(inner())
                end)
                out[5] = outer()

                -- a suspension inside pcall inside a coroutine
                local ok, v = pcall(function() return (coroutine.wrap(function() return sleep(0, "protected") end))() end)
                assert(ok and v == "protected")
                return out
                """)
            scheduler.run()
            XCTAssertEqual(try task.result?.get(), [[10, 20, 30, "done", "deep"]])
        }
    }

    func testPlainCoroutinesBehaveNormally() throws {
        let source = """
            local gen = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) coroutine.yield(b * 2) return "end" end)
            assert(gen(1) == 2 and gen(5) == 10 and gen() == "end")
            local ok, e = pcall(gen)
            assert(not ok and e:match("cannot resume dead coroutine$"), e)

            local co = coroutine.create(function(...) return select("#", coroutine.yield(...)) end)
            local r = table.pack(coroutine.resume(co, 1, nil, 3))
            assert(r.n == 4 and r[1] == true and r[2] == 1 and r[3] == nil and r[4] == 3)
            local ok2, n = coroutine.resume(co, "a", "b")
            assert(ok2 and n == 2 and coroutine.status(co) == "dead")

            local bad = coroutine.create(function() error("in coroutine") end)
            local ok3, e3 = coroutine.resume(bad)
            assert(not ok3 and e3:match("in coroutine$"), e3)
            local ok4, e4 = pcall(coroutine.wrap(function() error({code = 1}) end))
            assert(not ok4 and e4.code == 1, "error objects pass through wrap unchanged")
            assert(coroutine.isyieldable() == IN_TASK)
            assert(coroutine.wrap(function() return coroutine.isyieldable() end)())
            return "ok"
            """
        try withLuaState { state in
            state.setGlobal("IN_TASK", false)
            XCTAssertEqual(try state.doString(source), ["ok"])
            state.setGlobal("IN_TASK", true)
            let scheduler = LuaScheduler(state: state)
            let task = try spawn(scheduler, source)
            // a plain yield at the top of a task just gives other tasks a turn
            let yielder = try spawn(scheduler, "local n = select('#', coroutine.yield(1, 2)) coroutine.yield() return n")
            scheduler.run()
            XCTAssertEqual(try task.result?.get(), ["ok"])
            XCTAssertEqual(try yielder.result?.get(), [0])
        }
    }

    func testSuspendingOutsideATaskIsAClearError() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            state.register("wait") { call in call.suspend() }
            state.register("canWait") { call in call.returning(.bool(call.canSuspend)) }
            let message = "attempt to wait outside a coroutine (run this from a task, not a C boundary)"
            assertLuaError(try state.doString("wait()"), kind: .runtime, message: "(string):1: " + message)
            XCTAssertEqual(try state.doString("return pcall(wait)"), [false, .string(message)])
            XCTAssertEqual(try state.doString("return canWait()"), [false])
            // Through a coroutine Lua made, on the main thread: the prelude says so, where it happens.
            assertLuaError(
                try state.doString("local f = coroutine.wrap(function() wait() end)\nf()"), kind: .runtime,
                message: "(string):2: attempt to wait outside a task (in a coroutine that no task runs)")
            assertLuaError(
                try state.doString("local co = coroutine.create(function() wait() end)\n\ncoroutine.resume(co)"),
                kind: .runtime,
                message: "(string):3: attempt to wait outside a task (in a coroutine that no task runs)")
            XCTAssertEqual(try state.doString("return 'usable'"), ["usable"])

            // In a task, but behind a C function that cannot yield (table.sort's comparator).
            let sorting = try spawn(scheduler, """
                assert(canWait())
                assert(coroutine.wrap(function() return canWait() end)())
                local inside
                table.sort({3, 1, 2}, function(a, b) inside = canWait() return a < b end)
                assert(inside == false)
                table.sort({3, 1, 2}, function(a, b) wait() return a < b end)
                """)
            scheduler.run()
            XCTAssertEqual(sorting.state, .failed)
            guard case .failure(let failure)? = sorting.result else { return XCTFail("\(String(describing: sorting.result))") }
            XCTAssertEqual(failure.message, "task:6: " + message)
            XCTAssertTrue(failure.traceback?.contains("stack traceback:") == true)
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
