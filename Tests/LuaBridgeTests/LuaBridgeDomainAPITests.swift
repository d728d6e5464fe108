import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// The operations the domain library uses instead of the C API (module fields, preload,
/// registry slots, byte strings, raw table items, types, functions returned by chunks).
/// `withLuaState` checks that each leaves the stack balanced.
final class LuaBridgeDomainAPITests: XCTestCase {
    func testAModuleGetsFieldsAndIsFoundByRequireFromAnyCoroutine() throws {
        try withLuaState { state in
            var opened = 0
            try state.preload("demo") {
                opened += 1
                state.pushModule("demo", functions: [("twice", { call in
                    call.push(try call.integer(1) * 2)
                    return 1
                })])
                try? state.setFields([("version", .string("1.0")), ("null", .null), ("list", .array([1, 2]))])
            }
            XCTAssertEqual(try state.doString("local d = require('demo') return d.twice(21), d.version, #d.list"), [42, "1.0", 2])
            // From a coroutine: the module moves to the thread that asked, and is opened once.
            XCTAssertEqual(try state.doString("return coroutine.wrap(function() return require('demo').twice(2) end)()"), [4])
            XCTAssertEqual(opened, 1)
        }
    }

    func testRegistrySlotsHoldOneValuePerState() throws {
        try withLuaState { state in
            XCTAssertFalse(state.pushRegistryValue(named: "test.slot"))
            state.pushString("kept")
            state.setRegistryValue(named: "test.slot")
            XCTAssertEqual(try state.value(at: -1), "kept")
            lua_settop(state.L, -2)
            XCTAssertTrue(state.pushRegistryValue(named: "test.slot"))
            XCTAssertEqual(try state.value(at: -1), "kept")
            lua_settop(state.L, -2)
            XCTAssertFalse(LuaState.luaRelease.isEmpty)
        }
    }

    func testBytesTypesAndRawItemsOfArguments() throws {
        try withLuaState { state in
            state.register("probe") { call in
                let bytes = try call.borrowedBytes(1)
                call.push(bytes: [UInt8](bytes) + [0, 0xFF])
                call.push("\(call.luaType(2)) \(call.luaType(3)) \(call.rawLength(2))")
                let first = try call.withRawItem(1, ofTableAt: 2) { try call.value(-1) }
                try call.push(first)
                return 3
            }
            let result = try state.doString("local s, t, f = probe('a\\0b', setmetatable({7, 8}, {__index = error}), nil) return #s, s:byte(-1), t, f")
            XCTAssertEqual(result, [5, 255, "table nil 2", 7])
            // A number is read as its text, as Lua's string functions do; anything else is an argument error.
            XCTAssertEqual(try state.doString("return (probe(12, {1}))"), [.bytes(Array("12".utf8) + [0, 0xFF])])
            let bad = try state.doString("return pcall(probe, {}, {1})")
            XCTAssertEqual(bad.first, .bool(false))
            XCTAssertTrue(bad.last?.stringValue?.contains("bad argument #1 to 'probe' (string expected, got table)") == true, "\(bad)")
        }
    }

    func testAChunkThatReturnsAFunctionAndTablesReadAsReferences() throws {
        try withLuaState { state in
            let chunk = try state.load(Array("return function(x) return x + 1 end".utf8), chunkName: "=maker")
            let made = try XCTUnwrap(try chunk.callReturningFunction())
            XCTAssertEqual(try made.call(41), [42])
            let notAFunction = try state.load(Array("return 1".utf8), chunkName: "=one")
            XCTAssertNil(try notAFunction.callReturningFunction())
            let failing = try state.load(Array("error('no')".utf8), chunkName: "=failing")
            XCTAssertThrowsError(try failing.callReturningFunction())
            let package = try state.globals.get("package", as: LuaTable.self)
            XCTAssertEqual(try package.get("loaded", as: LuaTable.self).stringKeys().contains("string"), true)
            XCTAssertThrowsError(try package.get("path", as: LuaTable.self))
            let callable = state.makeFunction("three") { call in
                call.push(3)
                return 1
            }
            XCTAssertEqual(try callable.call(), [3])
        }
    }
}
