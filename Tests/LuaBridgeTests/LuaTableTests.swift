import RScriptTesting
import XCTest
@testable import LuaBridge

/// Tables held from Swift (`Values/LuaTable.swift`).
final class LuaTableTests: XCTestCase {
    func testGetAndSetOnAPlainTable() throws {
        try withLuaState { state in
            let t = state.newTable()
            try t.set("name", "x")
            try t.set(1, 10)
            try t.set(2, 2.5)
            try t.set(3, true)
            try t.set("list", LuaValue.array([1, 2]))
            XCTAssertEqual(try t.get("name"), "x")
            XCTAssertEqual(try t.get(1, as: Int.self), 10)
            XCTAssertEqual(try t.get(2, as: Double.self), 2.5)
            XCTAssertEqual(try t.get(3, as: Bool.self), true)
            XCTAssertEqual(try t.get("list"), [1, 2])
            XCTAssertEqual(try t.get("missing"), .nil)
            XCTAssertEqual(try t.get("missing", as: Int?.self), nil)
            XCTAssertEqual(t.rawLength, 3)
            XCTAssertEqual(Set(t.stringKeys()), ["name", "list"])
            XCTAssertEqual(try t.pairs().count, 5)
            XCTAssertEqual(try t.value(), .table([
                .int(1): 10, .int(2): 2.5, .int(3): true, .string("name"): "x", .string("list"): [1, 2],
            ]))
            try t.set("name", LuaValue.nil)
            XCTAssertEqual(try t.get("name"), .nil)
            assertLuaError(try t.set(LuaValue.nil, 1), kind: .runtime, message: "index is nil")
            assertLuaError(try t.set(Double.nan, 1), kind: .runtime, message: "index is NaN")
            assertLuaError(try t.rawSet(.nil, 1), kind: .conversion, message: "table index is nil")
            assertLuaError(try t.rawSet(.double(.nan), 1), kind: .conversion, message: "table index is NaN")
            assertLuaError(try t.get("name", as: Int.self), kind: .conversion, message: "integer expected, got nil")
            XCTAssertEqual(try t.get(1, as: String.self), "10", "numbers read as strings, as Lua converts them")
        }
    }

    func testGetAndSetRunMetamethodsAndRawAccessSkipsThem() throws {
        try withLuaState { state in
            try state.doString("""
                log = {}
                proxy = setmetatable({}, {
                  __index = function(t, k) log[#log + 1] = "get " .. k return "computed " .. k end,
                  __newindex = function(t, k, v) log[#log + 1] = "set " .. k rawset(t, k, v * 2) end,
                })
                chained = setmetatable({}, {__index = {inherited = "yes"}})
                """)
            let proxy = try XCTUnwrap(state.reference(of: "proxy") as? LuaTable)
            XCTAssertEqual(try proxy.get("x"), "computed x")
            try proxy.set("n", 21)
            XCTAssertEqual(try proxy.rawGet("n"), 42, "__newindex doubled it")
            XCTAssertEqual(try proxy.get("n"), 42, "present keys do not reach __index")
            XCTAssertEqual(try proxy.rawGet("y"), .nil)
            try proxy.rawSet("m", 5)
            XCTAssertEqual(try proxy.get("m", as: Int.self), 5, "rawSet did not double")
            XCTAssertEqual(try state.global("log"), ["get x", "set n"])

            let chained = try XCTUnwrap(state.reference(of: "chained") as? LuaTable)
            XCTAssertEqual(try chained.get("inherited"), "yes")
            XCTAssertEqual(try chained.rawGet("inherited"), .nil)
        }
    }

    func testErrorsInMetamethodsAreThrown() throws {
        try withLuaState { state in
            try state.doString("""
                guarded = setmetatable({}, {
                  __index = function(t, k) error("no field " .. k) end,
                  __newindex = function(t, k, v) error("read-only table") end,
                })
                strict = setmetatable({}, {__index = function(t, k) error({code = 404}) end})
                """)
            let guarded = try XCTUnwrap(state.reference(of: "guarded") as? LuaTable)
            assertLuaError(try guarded.get("x"), kind: .runtime, message: "(string):2: no field x")
            assertLuaError(try guarded.get("x", as: Int.self), kind: .runtime, message: "(string):2: no field x")
            assertLuaError(try guarded.set("x", 1), kind: .runtime, message: "(string):3: read-only table")
            XCTAssertEqual(state.stackTop, 0)
            try guarded.rawSet("x", 1)
            XCTAssertEqual(try guarded.rawGet("x"), 1)
            XCTAssertEqual(try guarded.get("x"), 1)
            let strict = try XCTUnwrap(state.reference(of: "strict") as? LuaTable)
            assertLuaError(try strict.get("y"), kind: .runtime, message: "(error object is a table value)")
            XCTAssertNil(guarded.function("missing"), "an __index error means no function, not a crash")
            XCTAssertEqual(state.stackTop, 0)
        }
    }

    func testFunctionLookup() throws {
        try withLuaState { state in
            try state.doString("""
                mod = {run = function(x) return x + 1 end, value = 3}
                derived = setmetatable({}, {__index = mod})
                """)
            let mod = try XCTUnwrap(state.reference(of: "mod") as? LuaTable)
            XCTAssertEqual(try mod.function("run")?.call(1, returning: Int.self), 2)
            XCTAssertNil(mod.function("value"))
            XCTAssertNil(mod.function("missing"))
            let derived = try XCTUnwrap(state.reference(of: "derived") as? LuaTable)
            XCTAssertEqual(try derived.function("run")?.call(2, returning: Int.self), 3, "found through __index")
            XCTAssertNotNil(state.globals.function("print"))
        }
    }

    func testPairsAndStringKeysAreRaw() throws {
        try withLuaState { state in
            try state.doString("t = setmetatable({a = 1, [2] = 'b'}, {__pairs = function() error('not used') end})")
            let t = try XCTUnwrap(state.reference(of: "t") as? LuaTable)
            let pairs = try t.pairs()
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) }), [.string("a"): 1, .int(2): "b"])
            XCTAssertEqual(t.stringKeys(), ["a"])
            try state.doString("t.f = print")
            assertLuaError(try t.pairs(), kind: .conversion)
            XCTAssertEqual(state.stackTop, 0)
        }
    }
}
