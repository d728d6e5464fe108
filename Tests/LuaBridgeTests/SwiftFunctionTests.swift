import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Swift functions called from Lua, and how what they throw becomes a Lua error
/// (`Functions/SwiftFunction.swift`).
final class SwiftFunctionTests: XCTestCase {
    struct PlainSwiftError: Error { var code: Int }

    private func registerFunctions(_ state: LuaState) {
        state.register("add") { call in
            call.push(try call.number(1) + call.number(2))
            return 1
        }
        state.register("fail") { call in
            throw LuaScriptError(try call.optionalString(1) ?? "custom message")
        }
        state.register("failSwift") { _ in throw PlainSwiftError(code: 7) }
        state.register("selfError") { _ in throw LuaArgumentError(position: 0, "not a widget") }
        // Lua -> Swift -> Lua: calls its first argument with the rest.
        state.register("callback") { call in
            let f = try call.function(1)
            var arguments: [LuaValue] = []
            if call.argumentCount > 1 {
                for i in 2...call.argumentCount { arguments.append(try call.value(i)) }
            }
            let results = try f.callValues(arguments)
            for result in results { try call.push(result) }
            return Int32(results.count)
        }
    }

    func testResultsAndArguments() throws {
        try withLuaState { state in
            registerFunctions(state)
            state.register("multi") { call in
                call.push(Int64(1))
                call.push("two")
                call.pushNil()
                call.push(3.5)
                return 4
            }
            state.register("none") { _ in 0 }
            state.register("count") { call in try call.returning(.int(Int64(call.argumentCount))) }
            try state.doString("""
                assert(add(1, 2) == 3 and math.type(add(1, 2)) == "float")
                assert(add("1", 2) == 3, "numeric strings convert, as luaL_checknumber does")
                assert(select("#", multi()) == 4)
                local a, b, c, d = multi()
                assert(a == 1 and b == "two" and c == nil and d == 3.5)
                assert(select("#", none()) == 0)
                assert(count() == 0 and count(nil, nil) == 2 and count(1, 2, 3) == 3)
                assert(callback(add, 2, 5) == 7)
                assert(tostring(add):match("^function: "))
                """)
        }
    }

    func testArgumentErrorIsCatchableWithLuasWording() throws {
        try withLuaState { state in
            registerFunctions(state)
            try state.doString("""
                local ok, e = pcall(add, 1, "x")
                assert(not ok)
                assert(e == "bad argument #2 to 'add' (number expected, got string)", e)
                ok, e = pcall(add, 1)
                assert(e == "bad argument #2 to 'add' (number expected, got no value)", e)
                ok, e = pcall(add, {}, 1)
                assert(e == "bad argument #1 to 'add' (number expected, got table)", e)
                -- called from a line of Lua, the position comes first, as with luaL_argerror
                ok, e = pcall(function() local r = add(1, nil) return r end)
                assert(e == "(string):9: bad argument #2 to 'add' (number expected, got nil)", e)
                ok, e = pcall(selfError)
                assert(e == "calling 'selfError' on bad self (not a widget)", e)
                """)
            assertLuaError(
                try state.doString("\nadd(1, 'x')"), kind: .runtime,
                message: "(string):2: bad argument #2 to 'add' (number expected, got string)")
        }
    }

    func testScriptErrorAndOtherSwiftErrors() throws {
        try withLuaState { state in
            registerFunctions(state)
            try state.doString("""
                local ok, e = pcall(function() local r = fail() return r end)
                assert(not ok and e == "(string):1: custom message", e)
                ok, e = pcall(fail, "from C")
                assert(e == "from C", "no Lua caller, no position: " .. e)
                ok, e = pcall(function() local r = failSwift() return r end)
                assert(e == "(string):5: failSwift: PlainSwiftError(code: 7)", e)
                """)
            let error = try XCTUnwrap(assertLuaError(
                try state.doString("fail('uncaught')"), kind: .runtime, message: "(string):1: uncaught"))
            XCTAssertTrue(error.traceback?.contains("stack traceback:") == true, error.description)
            XCTAssertTrue(error.traceback?.contains("in function 'fail'") == true, error.description)
        }
    }

    func testNestedErrorsKeepTheirMessage() throws {
        try withLuaState { state in
            registerFunctions(state)
            try state.doString("""
                -- Lua -> Swift -> Lua -> error
                local ok, e = pcall(callback, function() error("inner failure") end)
                assert(not ok and e == "(string):2: inner failure", e)
                -- Lua -> Swift -> Lua -> Swift -> error
                ok, e = pcall(callback, function() return add(1, "x") end)
                assert(e == "(string):5: bad argument #2 to 'add' (number expected, got string)", e)
                ok, e = pcall(callback, function() local r = add(1, "x") return r end)
                assert(e == "(string):7: bad argument #2 to 'add' (number expected, got string)", e)
                -- three levels down, the innermost message survives each crossing
                ok, e = pcall(callback, function() callback(function() callback(function() fail("deep") end) end) end)
                assert(e == "(string):10: deep", e)
                -- a table error object crossing Swift becomes its message
                ok, e = pcall(callback, function() error(setmetatable({}, {__tostring = function() return "T!" end})) end)
                assert(e == "T!", e)
                -- successes cross too
                assert(callback(function(a, b) return b, a end, 1, 2) == 2)
                assert(callback(function() return callback(function(a) return a * 2 end, 21) end) == 42)
                """)
            let error = assertLuaError(
                try state.doString("callback(function()\n  error('to Swift')\nend)"),
                kind: .runtime, message: "(string):2: to Swift")
            XCTAssertTrue(error?.traceback?.contains("stack traceback:") == true)
            XCTAssertEqual(try state.doString("return 'usable'"), ["usable"])
        }
    }

    func testModulesAndFunctionNames() throws {
        try withLuaState { state in
            state.pushModule("geometry", functions: [
                ("area", { call in try call.returning(.double(try call.number(1) * call.number(2))) }),
                ("name", { call in try call.returning(.string(call.functionName)) }),
            ])
            lua_setglobal(state.L, "geometry")
            try state.doString("""
                assert(geometry.area(2, 3) == 6)
                assert(geometry.name() == "geometry.name")
                local ok, e = pcall(geometry.area, 2, false)
                assert(e == "bad argument #2 to 'geometry.area' (number expected, got boolean)", e)
                """)
            var pushed = 0
            state.push(function: "anonymous") { _ in
                pushed += 1
                return 0
            }
            let f = try XCTUnwrap(state.reference(at: -1) as? LuaFunction)
            lua_settop(state.L, 0)
            try f.callDiscarding()
            XCTAssertEqual(pushed, 1)
        }
    }

    func testReleasedWhenCollected() throws {
        final class Token {}
        weak var weakToken: Token?
        try withLuaState { state in
            do {
                let token = Token()
                weakToken = token
                state.register("holder") { _ in
                    _ = token
                    return 0
                }
            }
            try state.doString("collectgarbage() collectgarbage()")
            XCTAssertNotNil(weakToken, "the global keeps the function, which keeps its closure")
            try state.doString("holder = nil collectgarbage() collectgarbage()")
            XCTAssertNil(weakToken, "collecting the function released the Swift closure")
        }
    }
}
