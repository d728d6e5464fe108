import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Registry references: what keeps them, what frees them, and what happens after `close()`
/// (`Values/LuaRef.swift`).
final class LuaRefTests: XCTestCase {
    private func registryType(_ state: LuaState, _ slot: Int32) -> Int32 {
        lua_rawgeti(state.L, rscript_registryindex(), lua_Integer(slot))
        defer { lua_settop(state.L, -2) }
        return lua_type(state.L, -1)
    }

    func testDroppingAReferenceFreesItsRegistrySlot() throws {
        try withLuaState { state in
            var f: LuaFunction? = try state.load("return 1", chunkName: "=one")
            let slot = try XCTUnwrap(f?.ref)
            XCTAssertEqual(registryType(state, slot), LUA_TFUNCTION)
            f = nil
            XCTAssertNotEqual(registryType(state, slot), LUA_TFUNCTION, "the slot no longer holds the function")
            let next = state.newTable()
            XCTAssertEqual(next.ref, slot, "the freed slot is reused")
        }
    }

    func testManyShortLivedReferencesDoNotGrowTheRegistry() throws {
        try withLuaState { state in
            try state.doString("function f() return 1 end t = {}")
            func churn() throws {
                for _ in 0..<10_000 {
                    let f = try XCTUnwrap(state.globalFunction("f"))
                    let t = state.globals
                    _ = (f, t)
                }
            }
            try churn()
            lua_pushvalue(state.L, rscript_registryindex())
            let before = lua_rawlen(state.L, -1)
            try churn()
            let after = lua_rawlen(state.L, -1)
            lua_settop(state.L, 0)
            XCTAssertEqual(before, after)
        }
    }

    func testReferenceTypes() throws {
        try withLuaState { state in
            state.installTestDataMarkers()
            try state.doString("f, t, n, s = print, {}, 1, 'x' co = coroutine.create(print)")
            func ref(_ name: String) throws -> LuaRef { try state.reference(of: name) }
            XCTAssertTrue(try ref("f") is LuaFunction)
            XCTAssertTrue(try ref("t") is LuaTable)
            XCTAssertEqual(try ref("n").value(), 1)
            XCTAssertEqual(try ref("s").value(), "x")
            XCTAssertFalse(try ref("co") is LuaFunction)
            try state.setGlobal("u", .null)
            XCTAssertTrue(try ref("u") is LuaUserdataRef)
            XCTAssertEqual(try ref("u").value(), .null)
        }
    }

    func testGlobals() throws {
        try withLuaState { state in
            try state.setGlobal("answer", 42)
            XCTAssertEqual(try state.global("answer"), 42)
            XCTAssertEqual(try state.global("missing"), .nil)
            XCTAssertEqual(try state.globals.get("answer"), 42)
            XCTAssertEqual(try state.doString("return answer"), [42])
            try state.setGlobal("answer", nil)
            XCTAssertEqual(try state.doString("return answer"), [nil])
        }
    }

    /// A strict-mode script makes reading or writing an unknown global raise; the host's own
    /// access to globals is raw, so it neither runs that code nor aborts on its error.
    func testHostGlobalAccessIgnoresGlobalsMetatable() throws {
        try withLuaState { state in
            try state.doString("""
                setmetatable(_G, {
                  __index = function(_, k) error("undefined global " .. tostring(k), 2) end,
                  __newindex = function(_, k) error("assignment to undeclared global " .. tostring(k), 2) end,
                })
                """)
            XCTAssertEqual(try state.global("missing"), .nil)
            XCTAssertNil(state.globalFunction("missing"))
            try state.setGlobal("fromSwift", "set")
            state.register("swiftFunction") { _ in 0 }
            XCTAssertEqual(try state.doString("return fromSwift, type(swiftFunction)"), ["set", "function"])
            assertLuaError(try state.doString("return missing"), kind: .runtime,
                           message: "(string):1: undefined global missing")
            XCTAssertNil(state.globals.function("missing"))
        }
    }

    func testReferencesAfterCloseAreInert() throws {
        try withLuaState { state in
            state.installTestDataMarkers()
            try state.doString("function f() return 1 end t = {1, 2, x = 3}")
            let f = try XCTUnwrap(state.globalFunction("f"))
            let t = try XCTUnwrap(state.reference(of: "t") as? LuaTable)
            let value = try state.reference(of: "t")
            try state.setGlobal("u", .null)
            let userdata = try state.reference(of: "u")
            state.close()
            XCTAssertTrue(state.isClosed)

            assertLuaError(try f.call(), kind: .closed)
            assertLuaError(try f.call(1, returning: Int.self), kind: .closed)
            assertLuaError(try f.callDiscarding(), kind: .closed)
            assertLuaError(try value.value(), kind: .closed)
            assertLuaError(try userdata.value(), kind: .closed)
            assertLuaError(try t.get("x"), kind: .closed)
            assertLuaError(try t.get(1, as: Int.self), kind: .closed)
            assertLuaError(try t.set("x", 1), kind: .closed)
            assertLuaError(try t.rawGet("x"), kind: .closed)
            assertLuaError(try t.rawSet("x", 1), kind: .closed)
            assertLuaError(try t.pairs(), kind: .closed)
            XCTAssertEqual(t.rawLength, 0)
            XCTAssertEqual(t.stringKeys(), [])
            XCTAssertNil(t.function("x"))
            assertLuaError(try state.doString("return 1"), kind: .closed)
            assertLuaError(try state.load("return 1", chunkName: "=x"), kind: .closed)
            assertLuaError(try state.global("t"), kind: .closed)
            state.close()  // twice is fine
            // Dropping the references (at the end of this scope) must not touch the closed state.
        }
    }
}
