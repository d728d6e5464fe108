import RScriptTesting
import XCTest
@testable import LuaBridge

/// Reading arguments and pushing results in a Swift function (`Functions/LuaCall.swift`).
final class LuaCallTests: XCTestCase {
    /// Registers `probe(kind, value)`, which reads argument 2 with the accessor named by `kind`
    /// and returns what it read (as data).
    private func registerProbe(_ state: LuaState) {
        state.register("probe") { call in
            let value: LuaValue
            switch try call.string(1) {
            case "integer": value = .int(try call.integer(2))
            case "int": value = .int(Int64(try call.int(2)))
            case "number": value = .double(try call.number(2))
            case "string": value = .string(try call.string(2))
            case "bytes": value = .bytes(try call.bytes(2))
            case "bool": value = .bool(try call.bool(2))
            case "truthy": value = .bool(call.truthy(2))
            case "value": value = try call.value(2)
            case "table": value = try call.table(2).value()
            case "function": value = .array(try call.function(2).call())
            case "optionalInteger": value = try call.optionalInteger(2).map { .int($0) } ?? "default"
            case "optionalNumber": value = try call.optionalNumber(2).map { .double($0) } ?? "default"
            case "optionalString": value = try call.optionalString(2).map { .string($0) } ?? "default"
            case "optionalBool": value = try call.optionalBool(2).map { .bool($0) } ?? "default"
            case "optionalTable": value = try call.optionalTable(2).map { _ in "table" } ?? "default"
            case "optionalFunction": value = try call.optionalFunction(2).map { _ in "function" } ?? "default"
            case "typeName": value = .string(call.typeName(2))
            case "isNoneOrNil": value = .bool(call.isNoneOrNil(2))
            default: throw LuaArgumentError(position: 1, "unknown accessor")
            }
            return try call.returning(value)
        }
    }

    func testRequiredArguments() throws {
        try withLuaState { state in
            registerProbe(state)
            try state.doString(#"""
                local function check(kind, arg, expected)
                  local got = probe(kind, arg)
                  assert(got == expected and math.type(got) == math.type(expected),
                    kind .. ": expected " .. tostring(expected) .. ", got " .. tostring(got))
                end
                check("integer", 42, 42)
                check("integer", 3.0, 3)            -- a float with an exact integer value
                check("integer", "12", 12)          -- a numeric string
                check("int", math.mininteger, math.mininteger)
                check("number", 2, 2.0)
                check("number", "1.5", 1.5)
                check("string", "s\0t", "s\0t")
                check("string", 12, "12")           -- numbers convert, as luaL_checkstring does
                check("string", 1.5, "1.5")
                check("bytes", "\xff\0", "\xff\0")
                check("bool", false, false)
                check("truthy", 0, true)
                check("truthy", nil, false)
                check("truthy", false, false)
                assert(probe("table", {1, 2})[2] == 2)
                assert(probe("function", function() return 1, "x" end)[2] == "x")
                assert(probe("value", {a = {1}}).a[1] == 1)
                assert(probe("value") == nil)

                local function fails(kind, arg, message)
                  local ok, e = pcall(probe, kind, arg)
                  assert(not ok and e == message, kind .. ": " .. tostring(e))
                end
                fails("integer", 1.5, "bad argument #2 to 'probe' (number has no integer representation)")
                fails("integer", "x", "bad argument #2 to 'probe' (number expected, got string)")
                fails("integer", nil, "bad argument #2 to 'probe' (number expected, got nil)")
                fails("number", {}, "bad argument #2 to 'probe' (number expected, got table)")
                fails("string", true, "bad argument #2 to 'probe' (string expected, got boolean)")
                fails("bytes", print, "bad argument #2 to 'probe' (string expected, got function)")
                fails("bool", 1, "bad argument #2 to 'probe' (boolean expected, got number)")
                fails("table", "t", "bad argument #2 to 'probe' (table expected, got string)")
                fails("function", {}, "bad argument #2 to 'probe' (function expected, got table)")
                fails("value", print, "bad argument #2 to 'probe' (cannot convert a function to data (at value))")
                local cyclic = {} cyclic.me = cyclic
                fails("value", cyclic, "bad argument #2 to 'probe' (cannot convert a table that contains itself (cycle at value.me))")
                fails("nope", 1, "bad argument #1 to 'probe' (unknown accessor)")
                """#)
            // Calling with no argument at all says "no value", as Lua does.
            try state.doString("""
                local ok, e = pcall(probe, "integer")
                assert(e == "bad argument #2 to 'probe' (number expected, got no value)", e)
                assert(probe("typeName") == "no value" and probe("typeName", nil) == "nil")
                assert(probe("typeName", 1) == "number" and probe("typeName", probe) == "function")
                assert(probe("isNoneOrNil") and probe("isNoneOrNil", nil) and not probe("isNoneOrNil", false))
                """)
        }
    }

    func testOptionalArguments() throws {
        try withLuaState { state in
            registerProbe(state)
            try state.doString("""
                for _, kind in ipairs{"optionalInteger", "optionalNumber", "optionalString", "optionalBool",
                                      "optionalTable", "optionalFunction"} do
                  assert(probe(kind) == "default", kind .. " absent")
                  assert(probe(kind, nil) == "default", kind .. " nil")
                end
                assert(probe("optionalInteger", 5) == 5)
                assert(probe("optionalNumber", 5) == 5.0)
                assert(probe("optionalString", "x") == "x")
                assert(probe("optionalBool", false) == false)
                assert(probe("optionalTable", {}) == "table")
                assert(probe("optionalFunction", print) == "function")
                local ok, e = pcall(probe, "optionalInteger", "x")
                assert(e == "bad argument #2 to 'probe' (number expected, got string)", e)
                ok, e = pcall(probe, "optionalBool", 0)
                assert(e == "bad argument #2 to 'probe' (boolean expected, got number)", e)
                """)
        }
    }

    func testPushingResults() throws {
        try withLuaState { state in
            state.installTestDataMarkers()
            try state.setGlobal("null", .null)
            state.register("results") { call in
                call.push(Int64(1))
                call.push(2)
                call.push(3.0)
                call.push(true)
                call.push("five")
                try call.push(LuaValue.array([6]))
                call.pushNull()
                call.pushNil()
                call.push(function: "nine") { inner in try inner.returning(9) }
                return 9
            }
            let results = try state.load("""
                local a, b, c, d, e, f, g, h, i = results()
                assert(math.type(a) == "integer" and math.type(b) == "integer" and math.type(c) == "float")
                assert(d == true and e == "five" and f[1] == 6 and rawequal(g, null) and h == nil)
                assert(i() == 9)
                return select("#", results())
                """, chunkName: "=results").call()
            XCTAssertEqual(results, [.int(9)])
        }
    }
}
