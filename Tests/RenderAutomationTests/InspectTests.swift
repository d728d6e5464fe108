import XCTest

/// `rscript.inspect` (scripts/lib/rscript/inspect.lua): what the REPL prints for tables.
final class InspectTests: LuaModuleTestCase {
    override class var prelude: String { #"local inspect = require("rscript.inspect") "# }

    func testNestedSortedAndQuoted() {
        run(#"""
            local s = inspect({ b = 2, a = { 1, 2, 3 }, [10] = "ten", [true] = false, ["two words"] = "x\n" })
            assert(s == '{ [10] = "ten", a = { 1, 2, 3 }, b = 2, ["two words"] = "x\\n", [true] = false }', s)
            assert(inspect({}) == "{}")
            assert(inspect(1.0) == "1.0" and inspect(2) == "2" and inspect(0/0) == "0/0" and inspect(-math.huge) == "-math.huge")
            assert(inspect("a\0b") == '"a\\0b"', inspect("a\0b"))
            """#)
    }

    func testDepthCyclesAndElision() {
        run(#"""
            local t = { 1, { 2, { 3, { 4 } } } }
            assert(inspect(t) == "{ 1, { 2, { 3, {...} } } }", inspect(t))
            assert(inspect(t, { depth = 10 }) == "{ 1, { 2, { 3, { 4 } } } }")
            local c = { name = "c" } c.self = c c.list = { c }
            assert(inspect(c) == '{ list = { <cycle> }, name = "c", self = <cycle> }', inspect(c))
            local shared = {} local two = { shared, shared }
            assert(inspect(two) == "{ {}, {} }", "a table seen twice, not inside itself, is no cycle")
            local big = {} for i = 1, 100 do big[i] = i end
            assert(inspect(big):sub(-14) == "...(50 more) }", inspect(big))
            assert(inspect(("x"):rep(300)):find('"...(300 bytes)', 1, true))
            assert(inspect({ a = { b = 1 } }, { indent = "  " }) == "{\n  a = {\n    b = 1\n  }\n}")
            """#)
    }

    func testNeverRaisesOnStrangeValuesAndChecksItsOptions() {
        run(#"""
            local mt = { __tostring = function() error("boom") end, __index = function() error("index") end,
                         __pairs = function() error("pairs") end, __len = function() error("len") end }
            assert(inspect(setmetatable({}, mt)) == "<table>")
            local weird = setmetatable({ 1, x = 2 }, { __index = function() error("no") end })
            assert(inspect(weird) == "{ 1, x = 2 }", inspect(weird))
            assert(inspect(print):match("^builtin: ") or inspect(print):match("^function: "))
            assert(inspect({ [print] = 1 }):match("^{ %[function: "), inspect({ [print] = 1 }))
            local ok, e = pcall(inspect, 1, 5) assert(not ok and e:find("table expected, got number"), e)
            ok, e = pcall(inspect, 1, { depth = -1 }) assert(not ok and e:find("depth must be a non%-negative integer"), e)
            ok, e = pcall(inspect, 1, { indent = 2 }) assert(not ok and e:find("indent must be a string"), e)
            """#)
    }
}
