import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Lua functions held and called from Swift (`Values/LuaFunction.swift`).
final class LuaFunctionTests: XCTestCase {
    func testCallsReturnAllResults() throws {
        try withLuaState { state in
            try state.doString("function arith(a, b) return a + b, a * b, nil end")
            let arith = try XCTUnwrap(state.globalFunction("arith"))
            XCTAssertEqual(try arith.call(2, 3), [.int(5), .int(6), .nil])
            XCTAssertEqual(try arith.callValues([.double(0.5), .int(2)]), [.double(2.5), .double(1), .nil])
            XCTAssertEqual(try arith.call(2, 3, returning: Int.self), 5)
            XCTAssertEqual(try arith.call(2.5, 1.0, returning: Double.self), 3.5)
            XCTAssertEqual(try arith.call("1", "2", returning: String.self), "3")
            XCTAssertEqual(try arith.call(1, 1, returning: LuaValue.self), .int(2))
            XCTAssertEqual(try arith.call(1, 1, returning: Int?.self), 2)
            try arith.callDiscarding(1, 2)
            XCTAssertNil(state.globalFunction("nope"))
            XCTAssertNil(state.globalFunction("_VERSION"), "not a function")

            try state.doString("function none() end function flag(x) return x == nil end")
            let none = try XCTUnwrap(state.globalFunction("none"))
            XCTAssertEqual(try none.call(), [])
            XCTAssertEqual(try none.call(returning: Int?.self), nil)
            let flag = try XCTUnwrap(state.globalFunction("flag"))
            XCTAssertEqual(try flag.call(Int?.none, returning: Bool.self), true)
            XCTAssertEqual(try flag.call(Int?.some(1), returning: Bool.self), false)
        }
    }

    func testTypedResultThatDoesNotFitThrowsAndKeepsTheStackBalanced() throws {
        try withLuaState { state in
            try state.doString("function text() return 'x' end function fail() error('nope') end")
            let text = try XCTUnwrap(state.globalFunction("text"))
            assertLuaError(try text.call(returning: Int.self), kind: .conversion, message: "integer expected, got string")
            assertLuaError(try text.call(returning: Double.self), kind: .conversion, message: "number expected, got string")
            let fail = try XCTUnwrap(state.globalFunction("fail"))
            assertLuaError(try fail.call(returning: Int.self), kind: .runtime, message: "(string):1: nope")
            assertLuaError(try fail.callDiscarding(), kind: .runtime, message: "(string):1: nope")
            XCTAssertEqual(state.stackTop, 0)
        }
    }

    func testHeldFunctionSurvivesGarbageCollection() throws {
        try withLuaState { state in
            // The returned function holds the only reference to a table whose __gc reports.
            let make = try state.load("""
                collected = false
                local witness = setmetatable({}, {__gc = function() collected = true end})
                function makeClosure() return function() return witness ~= nil end end
                """, chunkName: "=make")
            try make.call()
            try state.doString("held = makeClosure() makeClosure = nil")
            var closure: LuaFunction? = try XCTUnwrap(state.globalFunction("held"))
            try state.doString("held = nil collectgarbage() collectgarbage()")
            XCTAssertEqual(try state.global("collected"), false, "the Swift reference keeps the closure alive")
            XCTAssertEqual(try closure?.call(), [true])
            closure = nil
            try state.doString("collectgarbage() collectgarbage()")
            XCTAssertEqual(try state.global("collected"), true, "dropping the reference let Lua collect it")
        }
    }

    func testCallingFromInsideASwiftFunction() throws {
        try withLuaState { state in
            var seen: [LuaValue] = []
            state.register("each") { call in
                let list = try call.table(1)
                let f = try call.function(2)
                for i in 1...list.rawLength {
                    seen.append(try f.call(list.rawGet(i), returning: LuaValue.self))
                }
                return 0
            }
            try state.doString("each({1, 2, 3}, function(x) return x * 10 end)")
            XCTAssertEqual(seen, [10, 20, 30])
        }
    }

    func testCallMethod() throws {
        try withLuaState { state in
            try state.doString("""
                account = {balance = 10}
                function account:deposit(n) self.balance = self.balance + n return self.balance end
                proxy = setmetatable({}, {__index = account})
                """)
            let account = try state.reference(of: "account")
            XCTAssertEqual(try state.callMethod(account, "deposit", 5), [.int(15)])
            let proxy = try state.reference(of: "proxy")  // finds the method through __index
            XCTAssertEqual(try state.callMethod(proxy, "deposit", 1), [.int(16)])
            let error = assertLuaError(try state.callMethod(account, "withdraw", 1), kind: .runtime)
            XCTAssertTrue(error?.message.contains("attempt to call a nil value") == true, error?.message ?? "")
        }
    }
}

extension LuaState {
    /// A reference to the global `name` (test helper).
    func reference(of name: String) throws -> LuaRef {
        lua_getglobal(L, name)
        defer { lua_settop(L, -2) }
        return reference(at: -1)
    }
}
