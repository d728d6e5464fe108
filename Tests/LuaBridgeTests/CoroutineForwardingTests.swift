import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// The coroutine prelude: a Swift suspension inside a coroutine that Lua code made travels out to
/// the task and back, and plain coroutines behave as in stock Lua
/// (`Tasks/LuaState+Coroutines.swift`).
final class CoroutineForwardingTests: XCTestCase {
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
            try state.setGlobal("IN_TASK", false)
            XCTAssertEqual(try state.doString(source), ["ok"])
            try state.setGlobal("IN_TASK", true)
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
            state.register("canWait") { call in try call.returning(.bool(call.canSuspend)) }
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
}
