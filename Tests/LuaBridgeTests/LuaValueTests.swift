import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// `LuaValue` and its conversion to and from the stack (`Values/LuaValue.swift`,
/// `Values/LuaState+Values.swift`).
final class LuaValueTests: XCTestCase {
    func testScalarsRoundTripThroughLua() throws {
        try withLuaState { state in
            state.installTestDataMarkers()
            let echo = try state.load("return ...", chunkName: "=echo")
            let values: [LuaValue] = [
                .nil, .null, .bool(true), .bool(false),
                .int(0), .int(-1), .int(42), .int(.max), .int(.min),
                .double(0.5), .double(-0.0), .double(1.0), .double(1e300), .double(.infinity), .double(-.infinity),
                .string(""), .string("héllo ✓"), .string("a\0b"),
                .bytes([0xff, 0xfe, 0x00, 0x41]),
            ]
            for value in values {
                XCTAssertEqual(try echo.call(value), [value], "\(value)")
            }
            XCTAssertEqual(try echo.callValues(values), values)
            let nan = try echo.call(.double(.nan))
            XCTAssertEqual(nan.count, 1)
            XCTAssertTrue(nan.first?.doubleValue?.isNaN == true, "\(nan)")
        }
    }

    func testIntegersStayIntegersAndFloatsStayFloats() throws {
        try withLuaState { state in
            try state.setGlobal("one", .int(1))
            try state.setGlobal("onef", .double(1.0))
            try state.setGlobal("imax", .int(.max))
            try state.setGlobal("imin", .int(.min))
            try state.setGlobal("big", .double(9007199254740992))  // 2^53, an integral value: still a float
            try state.doString("""
                assert(math.type(one) == "integer")
                assert(math.type(onef) == "float")
                assert(one == onef)
                assert(math.type(imax) == "integer" and imax == math.maxinteger)
                assert(math.type(imin) == "integer" and imin == math.mininteger)
                assert(imax + 1 == math.mininteger, "integer arithmetic wraps: no float conversion")
                assert(math.type(big) == "float")
                """)
            let results = try state.doString(
                "return 1, 1.0, 3 // 1, 3 / 1, 2^53, math.maxinteger, math.mininteger, -0.0, 0x7fffffffffffffff")
            XCTAssertEqual(results, [
                .int(1), .double(1), .int(3), .double(3), .double(9007199254740992),
                .int(.max), .int(.min), .double(-0.0), .int(.max),
            ])
            guard case .double(let negativeZero) = results[7] else { return XCTFail() }
            XCTAssertEqual(negativeZero.sign, .minus)
            XCTAssertNotEqual(LuaValue.int(1), LuaValue.double(1), "1 and 1.0 are different values")
            XCTAssertEqual(LuaValue.double(2).intValue, 2)
            XCTAssertNil(LuaValue.double(2.5).intValue)
        }
    }

    func testStringsKeepEmbeddedZerosAndInvalidUTF8BecomesBytes() throws {
        try withLuaState { state in
            let results = try state.doString(#"return "a\0b", "\xff\xfe", "caf\xc3\xa9", "\xc3", "", "\0""#)
            XCTAssertEqual(results, [
                .string("a\0b"), .bytes([0xff, 0xfe]), .string("café"), .bytes([0xc3]), .string(""), .string("\0"),
            ])
            guard case .string(let zero) = results[0] else { return XCTFail() }
            XCTAssertEqual(Array(zero.utf8), [0x61, 0x00, 0x62])

            try state.setGlobal("s", .string("x\0y\0"))
            try state.setGlobal("b", .bytes([0x00, 0xff, 0x41]))
            try state.setGlobal("utf8bytes", .bytes(Array("ok".utf8)))
            try state.doString(#"""
                assert(#s == 4 and s == "x\0y\0")
                assert(#b == 3 and b:byte(1) == 0 and b:byte(2) == 255 and b:sub(3) == "A")
                assert(utf8bytes == "ok")
                """#)
            // Bytes that happen to be valid UTF-8 come back as a string: Lua does not tell them apart.
            XCTAssertEqual(try state.global("utf8bytes"), .string("ok"))
            XCTAssertEqual(LuaValue.bytes([0x68, 0x69]).stringValue, "hi")
        }
    }

    func testNestedTables() throws {
        try withLuaState { state in
            let value = try state.doString("""
                return {
                  name = "job", tags = {"a", "b"},
                  matrix = {{1, 2}, {3, 4.5}},
                  deep = {a = {b = {c = {d = true}}}},
                }
                """)
            XCTAssertEqual(value, [[
                "name": "job", "tags": ["a", "b"],
                "matrix": [[1, 2], [3, 4.5]],
                "deep": ["a": ["b": ["c": ["d": true]]]],
            ]])
            XCTAssertEqual(value[0]["deep"]["a"]["b"]["c"]["d"], .bool(true))
            XCTAssertEqual(value[0]["matrix"][2][2], .double(4.5))
            XCTAssertEqual(value[0]["tags"][3], .nil)

            // Swift -> Lua -> Swift keeps the shape.
            let echo = try state.load("return ...", chunkName: "=echo")
            XCTAssertEqual(try echo.callValues(value), value)
        }
    }

    func testArraysObjectsAndMixedTables() throws {
        try withLuaState { state in
            let results = try state.doString("""
                return {1, 2, 3},           -- keys exactly 1..n: array
                       {a = 1, b = "x"},    -- all keys strings: object
                       {1, 2, x = 3},       -- both: table
                       {[2] = "two"},       -- not starting at 1: table
                       {1, nil, 3},         -- a hole: table
                       {[1.0] = "one"},     -- 1.0 is normalised to the integer 1: array
                       {[1.5] = true, [true] = false}
                """)
            XCTAssertEqual(results, [
                .array([1, 2, 3]),
                .object(["a": 1, "b": "x"]),
                .table([.int(1): 1, .int(2): 2, .string("x"): 3]),
                .table([.int(2): "two"]),
                .table([.int(1): 1, .int(3): 3]),
                .array(["one"]),
                .table([.double(1.5): true, .bool(true): false]),
            ])

            try state.setGlobal("arr", .array(["a", .int(2), .double(3)]))
            try state.setGlobal("obj", .object(["k": "v", "n": .int(7)]))
            try state.setGlobal("mixed", .table([.int(1): "first", .string("k"): true, .bool(true): .double(1.5)]))
            try state.setGlobal("skips", .table([.nil: 1, .double(.nan): 2, .int(5): 3]))
            try state.doString("""
                assert(#arr == 3 and arr[1] == "a" and math.type(arr[2]) == "integer" and math.type(arr[3]) == "float")
                assert(obj.k == "v" and obj.n == 7 and #obj == 0)
                assert(mixed[1] == "first" and mixed.k == true and mixed[true] == 1.5)
                local n = 0 for k, v in pairs(skips) do n = n + 1 assert(k == 5 and v == 3) end
                assert(n == 1, "nil and NaN keys are skipped")
                """)
        }
    }

    func testEmptyTableIsAnArrayUnlessObjectMarked() throws {
        try withLuaState { state in
            state.installTestDataMarkers()
            XCTAssertEqual(try state.doString("return {}"), [.array([])])
            let echo = try state.load("return ...", chunkName: "=echo")
            XCTAssertEqual(try echo.call(.array([])), [.array([])])
            XCTAssertEqual(try echo.call(.object([:])), [.object([:])])
            XCTAssertEqual(try echo.call(.table([:])), [.array([])])

            // The mark is a metatable; a marked table keeps it when Lua copies the mark.
            try state.setGlobal("marked", .object([:]))
            XCTAssertEqual(try state.doString("return setmetatable({}, getmetatable(marked))"), [.object([:])])
            XCTAssertEqual(try state.doString("return setmetatable({}, {})"), [.array([])])
            // Only empty tables need the mark: once filled, the keys decide.
            XCTAssertEqual(try state.doString("marked[1] = 'x' return marked"), [.array(["x"])])
            XCTAssertEqual(try state.doString("marked[1] = nil marked.k = 1 return marked"), [.object(["k": 1])])
            // A non-empty object pushed from Swift carries no mark.
            try state.setGlobal("filled", .object(["a": 1]))
            XCTAssertEqual(try state.doString("filled.a = nil return filled, getmetatable(filled) == nil"), [.array([]), true])
        }
    }

    func testNullSentinelIsAValueUnlikeNil() throws {
        try withLuaState { state in
            state.installTestDataMarkers()
            try state.setGlobal("null", .null)
            let results = try state.doString("""
                assert(null ~= nil and type(null) == "userdata")
                assert(null, "null is truthy, as in Lua every non-nil non-false value is")
                return {null, null}, {nil, nil}, {a = null, b = nil}, null, nil
                """)
            XCTAssertEqual(results, [.array([.null, .null]), .array([]), .object(["a": .null]), .null, .nil])
            XCTAssertTrue(LuaValue.null.isTruthy)
            XCTAssertFalse(LuaValue.nil.isTruthy)
            XCTAssertEqual(LuaValue.null.luaTypeName, "userdata")

            try state.setGlobal("arr", .array([.null, 1, .null]))
            try state.doString("assert(#arr == 3 and arr[1] == null and arr[3] == null)")
            // The same sentinel every time.
            try state.setGlobal("null2", .null)
            try state.doString("assert(rawequal(null, null2))")
        }
    }

    func testCyclesAreRejectedWithTheirPath() throws {
        try withLuaState { state in
            assertLuaError(
                try state.doString("local t = {} t.self = t return t"), kind: .conversion,
                message: "cannot convert a table that contains itself (cycle at value.self)")
            assertLuaError(
                try state.doString("local root = {a = {b = {}}} root.a.b.back = root.a return root"), kind: .conversion,
                message: "cannot convert a table that contains itself (cycle at value.a.b.back)")
            assertLuaError(
                try state.doString("local t = {} t[1] = {t} return t"), kind: .conversion,
                message: "cannot convert a table that contains itself (cycle at value[1][1])")
            // A table reached twice without a cycle is fine.
            XCTAssertEqual(
                try state.doString("local s = {1} return {s, s, {s}}"),
                [.array([[1], [1], [[1]]])])
            XCTAssertEqual(try state.doString("return 'still usable'"), ["still usable"])
        }
    }

    func testFunctionsUserdataAndThreadsAreNotData() throws {
        try withLuaState(libraries: .full) { state in
            assertLuaError(
                try state.doString("return print"), kind: .conversion,
                message: "cannot convert a function to data (at value)")
            assertLuaError(
                try state.doString("return {f = function() end}"), kind: .conversion,
                message: "cannot convert a function to data (at value.f)")
            assertLuaError(
                try state.doString("return {{}, {io.stdout}}"), kind: .conversion,
                message: "cannot convert a userdata to data (at value[2][1])")
            assertLuaError(
                try state.doString("return {co = {coroutine.create(print)}}"), kind: .conversion,
                message: "cannot convert a thread to data (at value.co[1])")
        }
    }

    func testFailedConversionsLeaveTheStackBalanced() throws {
        try withLuaState { state in
            try state.doString("bad = {1, 2, {3, {4, print}}} cyclic = {} cyclic.a = {cyclic}")
            assertLuaError(try state.global("bad"), kind: .conversion)
            XCTAssertEqual(state.stackTop, 0)
            assertLuaError(try state.global("cyclic"), kind: .conversion)
            XCTAssertEqual(state.stackTop, 0)
            assertLuaError(try state.globals.value(), kind: .conversion)
            XCTAssertEqual(state.stackTop, 0)
            lua_getglobal(state.L, "bad")
            let bad = state.reference(at: -1)
            lua_settop(state.L, 0)
            assertLuaError(try bad.value(), kind: .conversion)
            XCTAssertEqual(state.stackTop, 0)
            let asTable = try XCTUnwrap(bad as? LuaTable)
            assertLuaError(try asTable.get(3), kind: .conversion)
            assertLuaError(try asTable.rawGet(3), kind: .conversion)
            XCTAssertEqual(state.stackTop, 0)
        }
    }

    func testDeeplyNestedTablesConvertOrFailCleanly() throws {
        try withLuaState { state in
            let nest = try state.load("""
                local depth = ...
                local root = {} local t = root
                for i = 2, depth do local n = {} t[1] = n t = n end
                return root
                """, chunkName: "=nest")
            let hundred = try nest.call(.int(100))
            var level = hundred[0]
            var depth = 1
            while case .array(let inner) = level, let first = inner.first {
                level = first
                depth += 1
            }
            XCTAssertEqual(depth, 100)
            XCTAssertEqual(level, .array([]))
            // Far deeper than any data should be: an error, not a stack overflow.
            let error = assertLuaError(try nest.call(.int(200_000)), kind: .conversion)
            XCTAssertTrue(error?.message.hasPrefix("table nested too deeply") == true, error?.message ?? "")
        }
    }

    func testAccessorsAndLiterals() {
        let value: LuaValue = ["list": [1, 2.5, "x", nil, true], "n": 3]
        XCTAssertEqual(value["list"][1], .int(1))
        XCTAssertEqual(value["list"][2].doubleValue, 2.5)
        XCTAssertEqual(value["list"][3].stringValue, "x")
        XCTAssertEqual(value["list"][4], .nil)
        XCTAssertEqual(value["list"][5].boolValue, true)
        XCTAssertEqual(value["list"][0], .nil)
        XCTAssertEqual(value["n"].intValue, 3)
        XCTAssertEqual(value["missing"], .nil)
        XCTAssertEqual(value[1], .nil)
        XCTAssertEqual(LuaValue.table([.int(1): "a", .string("k"): "b"])[1], "a")
        XCTAssertEqual(LuaValue.table([.int(1): "a", .string("k"): "b"])["k"], "b")
        XCTAssertEqual(
            [LuaValue.nil, .null, true, 1, 1.5, "s", .bytes([]), [], [:]].map(\.luaTypeName),
            ["nil", "userdata", "boolean", "number", "number", "string", "string", "table", "table"])
    }
}
