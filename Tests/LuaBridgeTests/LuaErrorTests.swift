import RScriptTesting
import XCTest
@testable import LuaBridge

/// Lua errors reaching Swift as `LuaError` (`Errors/LuaError.swift`).
final class LuaErrorTests: XCTestCase {
    func testRuntimeErrorCarriesPositionAndTraceback() throws {
        try withLuaState { state in
            let error = try XCTUnwrap(assertLuaError(
                try state.doString("local x = 1\nerror('boom')", chunkName: "=chunk"),
                kind: .runtime, message: "chunk:2: boom"))
            XCTAssertEqual(error.location?.chunk, "chunk")
            XCTAssertEqual(error.location?.line, 2)
            let traceback = try XCTUnwrap(error.traceback)
            XCTAssertTrue(traceback.hasPrefix("stack traceback:"), traceback)
            XCTAssertTrue(traceback.contains("chunk:2:"), traceback)
            XCTAssertEqual(error.description, "chunk:2: boom\n" + traceback)

            assertLuaError(
                try state.doString("local t = nil\nreturn t.field", chunkName: "@jobs/render.lua"),
                kind: .runtime, message: "jobs/render.lua:2: attempt to index a nil value (local 't')")
            // Level 0: no position.
            let plain = assertLuaError(try state.doString("error('plain', 0)"), kind: .runtime, message: "plain")
            XCTAssertNil(plain?.location)
        }
    }

    func testErrorInAFunctionCalledFromSwift() throws {
        try withLuaState { state in
            try state.doString("""
                local function inner(n)
                  if n < 0 then error("below zero") end
                  if n == 0 then return 0 end
                  return inner(n - 1) + 1
                end
                function countdown(n) return (inner(n)) end
                """, chunkName: "@lib.lua")
            let countdown = try XCTUnwrap(state.globalFunction("countdown"))
            let error = try XCTUnwrap(assertLuaError(
                try countdown.call(-1), kind: .runtime, message: "lib.lua:2: below zero"))
            let traceback = try XCTUnwrap(error.traceback)
            XCTAssertTrue(traceback.contains("lib.lua:6: in function 'countdown'"), traceback)
            assertLuaError(try countdown.call(-1, returning: Int.self), kind: .runtime, message: "lib.lua:2: below zero")
            assertLuaError(try countdown.callDiscarding(-1), kind: .runtime, message: "lib.lua:2: below zero")
            XCTAssertEqual(try countdown.call(3, returning: Int.self), 3)
            XCTAssertEqual(try countdown.call(.int(5)), [.int(5)])
        }
    }

    func testSyntaxErrorsHaveKindSyntaxAndFileLine() throws {
        try withLuaState { state in
            let error = try XCTUnwrap(assertLuaError(
                try state.load("local ok = 1\n\nlocal x = = 1", chunkName: "@foo.lua"), kind: .syntax))
            XCTAssertTrue(error.message.hasPrefix("foo.lua:3: unexpected symbol near '='"), error.message)
            XCTAssertEqual(error.location?.chunk, "foo.lua")
            XCTAssertEqual(error.location?.line, 3)
            XCTAssertNil(error.traceback, "nothing ran, so no traceback")

            assertLuaError(
                try state.doString("return (", chunkName: "=input"), kind: .syntax,
                message: "input:1: unexpected symbol near <eof>")
            // Lua's own `load` reports syntax errors as values, and the state stays usable.
            XCTAssertEqual(try state.doString("return load('x =')"), [.nil, "[string \"x =\"]:1: unexpected symbol near <eof>"])
        }
    }

    func testErrorObjectsThatAreTables() throws {
        try withLuaState { state in
            // Inside Lua, a table error keeps its identity.
            try state.doString("""
                local e = {code = 42}
                local ok, got = pcall(error, e)
                assert(not ok and rawequal(got, e) and got.code == 42)
                """)
            // Reaching Swift, `__tostring` gives the message...
            assertLuaError(
                try state.doString("error(setmetatable({code = 7}, {__tostring = function(e) return 'E' .. e.code end}))"),
                kind: .runtime, message: "E7")
            // ... and without one, Lua's standalone interpreter's wording (not an address).
            let error = assertLuaError(try state.doString("error({code = 42})"), kind: .runtime,
                                       message: "(error object is a table value)")
            XCTAssertTrue(error?.traceback?.contains("stack traceback:") == true)
            assertLuaError(try state.doString("error()"), kind: .runtime, message: "(error object is a nil value)")
            assertLuaError(try state.doString("error(true)"), kind: .runtime, message: "(error object is a boolean value)")
            assertLuaError(try state.doString("error(12)"), kind: .runtime, message: "12")
            // A __tostring that fails itself does not take the bridge down: its error is reported.
            assertLuaError(
                try state.doString("error(setmetatable({}, {__tostring = function() error('bad tostring') end}))"),
                kind: .runtime, message: "(string):1: bad tostring")
        }
    }

    func testLocationParsing() {
        XCTAssertEqual(LuaError(.runtime, "a/b.lua:12: text").location?.chunk, "a/b.lua")
        XCTAssertEqual(LuaError(.runtime, "a/b.lua:12: text").location?.line, 12)
        XCTAssertEqual(LuaError(.runtime, "C:/x:y.lua:3: text").location?.chunk, "C:/x:y.lua")
        XCTAssertNil(LuaError(.runtime, "no position: here").location)
        XCTAssertEqual(LuaError(.runtime, "m").description, "m")
        XCTAssertEqual(LuaError(.runtime, "m", traceback: "").description, "m")
    }
}
