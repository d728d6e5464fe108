import XCTest
@testable import LuaBridge

final class SmokeTests: XCTestCase {
    func testBasics() throws {
        let state = try LuaState()
        state.register("add") { call in
            call.push(try call.number(1) + call.number(2))
            return 1
        }
        let r = try state.doString("return add(1, 2), 3, 2.5, 'a\\0b', {1,2}, {x=1}, {}, null")
        print(r)
        XCTAssertEqual(r[0], .double(3))
        XCTAssertEqual(r[1], .int(3))
        XCTAssertEqual(r[7], .nil)
        XCTAssertThrowsError(try state.doString("add(1, 'x')")) { print($0) }
        let ok = try state.doString("return pcall(add, 1, 'x')")
        print(ok)
        XCTAssertThrowsError(try state.doString("local t = {} t.t = t return t")) { print($0) }
        XCTAssertThrowsError(try state.doString("local x = = 1", chunkName: "@foo.lua")) { print($0) }
        XCTAssertEqual(state.stackTop, 0)
        let f = try XCTUnwrap(state.globalFunction("add"))
        XCTAssertEqual(try f.call(2.0, 3.0, returning: Double.self), 5)
        state.limits = LuaLimits(memoryBytes: 4_000_000)
        XCTAssertThrowsError(try state.doString("local t = {} while true do t[#t+1] = string.rep('x', 100) .. #t end")) { print($0) }
        XCTAssertEqual(try state.doString("return 1 + 1"), [.int(2)])
        state.limits = LuaLimits(instructions: 100_000)
        XCTAssertThrowsError(try state.doString("while true do end")) { print($0) }
        XCTAssertThrowsError(try state.doString("while true do pcall(function() while true do end end) end")) { print($0) }
        XCTAssertEqual(try state.doString("return 1 + 1"), [.int(2)])
        XCTAssertEqual(state.stackTop, 0)
    }
}
