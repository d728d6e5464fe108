import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Interned string keys (`Values/LuaKey.swift`, `Values/LuaTable+Keys.swift`): the same answers
/// as a `String` key on every kind of table, metamethods run protected, and the key's registry
/// slot goes with the key.
final class LuaKeyTests: XCTestCase {
    func testAKeyReadsAndWritesAsItsString() throws {
        try withLuaState { state in
            let name = state.key("name")
            let missing = state.key("missing")
            let t = state.newTable()
            try t.set(name, "x")
            XCTAssertEqual(try t.get("name"), "x")
            XCTAssertEqual(try t.get(name), "x")
            XCTAssertEqual(try t.get(name, as: String.self), "x")
            XCTAssertEqual(try t.get(missing), .nil)
            XCTAssertEqual(try t.get(missing, as: Int?.self), nil)
            assertLuaError(try t.get(name, as: Int.self), kind: .conversion, message: "integer expected, got string")
            try t.set(name, 2.5)
            XCTAssertEqual(try t.get(name, as: Double.self), 2.5)
            try t.set(name, LuaValue.nil)
            XCTAssertEqual(try t.rawGet("name"), .nil)
            // A key pushes as a string wherever a value goes.
            try t.set("k", name)
            XCTAssertEqual(try t.get("k"), "name")
            XCTAssertEqual(state.stackTop, 0)
        }
    }

    func testMetamethodsRunAndTheirErrorsAreThrown() throws {
        try withLuaState { state in
            try state.doString("""
                log = {}
                proxy = setmetatable({}, {
                  __index = function(t, k) log[#log + 1] = "get " .. k return "computed " .. k end,
                  __newindex = function(t, k, v) log[#log + 1] = "set " .. k rawset(t, k, v * 2) end,
                })
                guarded = setmetatable({}, {
                  __index = function(t, k) error("no field " .. k) end,
                  __newindex = function(t, k, v) error("read-only table") end,
                })
                """)
            let x = state.key("x"), n = state.key("n")
            let proxy = try XCTUnwrap(state.reference(of: "proxy") as? LuaTable)
            XCTAssertEqual(try proxy.get(x), "computed x")
            try proxy.set(n, 21)
            XCTAssertEqual(try proxy.rawGet("n"), 42, "__newindex doubled it")
            XCTAssertEqual(try proxy.get(n, as: Int.self), 42, "a present key does not reach __index")
            try proxy.set(n, 5)
            XCTAssertEqual(try proxy.rawGet("n"), 5, "a present key does not reach __newindex")
            XCTAssertEqual(try state.global("log"), ["get x", "set n"])

            let guarded = try XCTUnwrap(state.reference(of: "guarded") as? LuaTable)
            assertLuaError(try guarded.get(x), kind: .runtime, message: "(string):7: no field x")
            assertLuaError(try guarded.get(x, as: Double.self), kind: .runtime, message: "(string):7: no field x")
            assertLuaError(try guarded.set(x, 1), kind: .runtime, message: "(string):8: read-only table")
            XCTAssertEqual(state.stackTop, 0)
        }
    }

    func testAReferenceThatIsNoTableGoesProtected() throws {
        try withLuaState { state in
            try state.doString("notATable = 3")
            let number = try XCTUnwrap(state.globals.get("notATable", as: LuaValue.self))
            XCTAssertEqual(number, 3)
            // A LuaTable over something else (a reference read as a table by mistake) must throw, not crash.
            lua_pushinteger(state.L, 3)
            let fake = LuaTable(state: state, popping: state.L)
            let x = state.key("x")
            XCTAssertThrowsError(try fake.get(x))
            XCTAssertThrowsError(try fake.set(x, 1))
            XCTAssertEqual(state.stackTop, 0)
        }
    }

    func testAKeyOfAnotherStateIsPushedAsItsName() throws {
        try withLuaState { state in
            try withLuaState { other in
                let key = other.key("field")
                let t = state.newTable()
                try t.set(key, 7)
                XCTAssertEqual(try t.get("field", as: Int.self), 7)
                XCTAssertEqual(try t.get(key, as: Int.self), 7)
            }
        }
    }

    func testAKeyWithAZeroByteAndAKeyOutlivingItsState() throws {
        try withLuaState { state in
            let zero = state.key("a\0b")
            let t = state.newTable()
            try t.set(zero, 1)
            XCTAssertEqual(try t.get("a\0b", as: Int.self), 1)
            XCTAssertEqual(try t.get("a", as: Int?.self), nil, "the zero is part of the key")
            XCTAssertEqual(try t.get(zero, as: Int.self), 1)
        }
        let state = try LuaState(libraries: .safe, limits: .none)
        let key = state.key("late")
        let t = state.newTable()
        state.close()
        assertLuaError(try t.get(key), kind: .closed, message: "the Lua state is closed")
        assertLuaError(try t.set(key, 1), kind: .closed, message: "the Lua state is closed")
        _ = LuaKey("after", in: state)  // made on a closed state: no slot, nothing to release
    }

    func testKeysReleaseTheirRegistrySlots() throws {
        try withLuaState { state in
            var refs: Set<Int32> = []
            for _ in 0..<100 { refs.insert(state.key("k").ref) }
            XCTAssertLessThan(refs.count, 5, "a released key's slot is reused")
        }
    }
}
