import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Coroutines driven directly from Swift (`Tasks/LuaThread.swift`).
final class LuaThreadTests: XCTestCase {
    func testResumeReportsYieldsSuspensionsAndTheEnd() throws {
        try withLuaState { state in
            state.register("pause") { call in call.suspend() }
            let body = try state.load("""
                local a, b = ...
                local c = coroutine.yield(a + b)
                local d = pause()
                return c .. d, "last"
                """, chunkName: "=body")
            let thread = LuaThread(state: state, function: body)
            let co = thread.thread

            lua_pushinteger(co, 2)
            lua_pushinteger(co, 3)
            XCTAssertEqual(try thread.resume(arguments: 2), .yielded(results: 1))
            XCTAssertEqual(try state.value(at: -1, on: co), 5)
            lua_settop(co, 0)

            state.pushString("x", on: co)
            XCTAssertEqual(try thread.resume(arguments: 1), .suspended)
            XCTAssertEqual(lua_gettop(co), 0, "the suspend marker is not left behind")

            state.pushString("y", on: co)
            XCTAssertEqual(try thread.resume(arguments: 1), .finished(results: 2))
            XCTAssertEqual(try state.value(at: -2, on: co), "xy")
            XCTAssertEqual(try state.value(at: -1, on: co), "last")
            lua_settop(co, 0)
        }
    }

    func testAnErrorInTheCoroutineIsThrownWithItsTraceback() throws {
        try withLuaState { state in
            let body = try state.load("""
                local function deeper() error("coroutine failed") end
                coroutine.yield()
                deeper()
                """, chunkName: "@co.lua")
            let thread = LuaThread(state: state, function: body)
            XCTAssertEqual(try thread.resume(arguments: 0), .yielded(results: 0))
            let error = try XCTUnwrap(assertLuaError(try thread.resume(arguments: 0), kind: .runtime,
                                                     message: "co.lua:1: coroutine failed"))
            let traceback = try XCTUnwrap(error.traceback)
            XCTAssertTrue(traceback.contains("stack traceback:"), traceback)
            XCTAssertTrue(traceback.contains("co.lua:1: in "), traceback)
            XCTAssertTrue(traceback.contains("co.lua:3: in "), traceback)
            XCTAssertEqual(lua_gettop(thread.thread), 0)
            assertLuaError(try thread.resume(arguments: 0), kind: .runtime, message: "cannot resume dead coroutine")
            lua_settop(thread.thread, 0)
        }
    }

    func testCloseRunsPendingToBeClosedVariables() throws {
        try withLuaState { state in
            let body = try state.load("""
                local guard <close> = setmetatable({}, {__close = function() closed = true end})
                coroutine.yield()
                """, chunkName: "=tbc")
            let thread = LuaThread(state: state, function: body)
            XCTAssertEqual(try thread.resume(arguments: 0), .yielded(results: 0))
            XCTAssertEqual(try state.global("closed"), .nil)
            thread.close()
            XCTAssertEqual(try state.global("closed"), true)
        }
    }
}
