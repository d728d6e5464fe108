import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Stack space and limits at the edge (`Values/LuaState+Stack.swift`, the C shim's resume
/// continuation and limit errors): pushing many or deep values never overflows the stack, and a
/// limit keeps its identity through a Swift frame.
final class LuaStackSpaceTests: XCTestCase {
    private func nested(_ depth: Int) -> LuaValue {
        var value: LuaValue = .array([])
        for _ in 1..<depth { value = .array([value]) }
        return value
    }

    private func depth(of value: LuaValue) -> Int {
        var value = value
        var depth = 0
        while case .array(let inner) = value {
            depth += 1
            guard let first = inner.first else { break }
            value = first
        }
        return depth
    }

    func testASwiftFunctionReturnsManyResultsOnlyAfterReservingThem() throws {
        try withLuaState { state in
            state.register("many") { call in
                let count = try call.int(1)
                return try call.push(values: (0..<count).map { LuaValue.int(Int64($0)) })
            }
            XCTAssertEqual(try state.doString("return select('#', many(300))"), [300])
            XCTAssertEqual(try state.doString("return select('#', many(200000))"), [200000])
            // More than a Lua stack can hold: a catchable error that says what was too large.
            let result = try state.doString("return pcall(many, 2000000)")
            XCTAssertEqual(result.first, .bool(false))
            XCTAssertEqual(result.last?.stringValue?.hasSuffix("too many results to return (2000000)"), true, "\(result)")
            XCTAssertEqual(try state.doString("return 1 + 1"), [2])
        }
    }

    func testNestedDataIsPushedWholeOrRefusedAsTooDeep() throws {
        try withLuaState { state in
            let measure = try state.load("""
                local t = ... local d = 0
                while type(t) == 'table' do d = d + 1 t = t[1] end
                return d
                """, chunkName: "=measure")
            XCTAssertEqual(try measure.call(nested(LuaState.maxDataDepth)), [.int(Int64(LuaState.maxDataDepth))])
            let error = assertLuaError(try measure.call(nested(LuaState.maxDataDepth + 1)), kind: .conversion)
            XCTAssertTrue(error?.message.contains("nested too deeply") == true, error?.message ?? "")
            XCTAssertEqual(lua_gettop(state.L), 0, "a refused push leaves the stack as it was")
        }
    }

    func testTasksTakeAndReturnManyAndDeepValues() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            let body = try state.load("""
                local depth = 0 local t = select(1, ...)
                while type(t) == 'table' do depth = depth + 1 t = t[1] end
                local n = select('#', ...)
                local results = {} for i = 1, n do results[i] = i end
                local deep = {} local c = deep for i = 2, 60 do c[1] = {} c = c[1] end
                return depth, n, deep, table.unpack(results)
                """, chunkName: "=task")
            var arguments = [nested(80)]
            arguments += (0..<499).map { LuaValue.int(Int64($0)) }
            let task = scheduler.spawn(body, arguments: arguments)
            scheduler.run()
            guard case .success(let values)? = task.result else { return XCTFail("\(String(describing: task.result))") }
            XCTAssertEqual(values.count, 503)
            XCTAssertEqual(values[0], .int(80))
            XCTAssertEqual(values[1], .int(500))
            XCTAssertEqual(depth(of: values[2]), 60)
        }
    }

    func testWakingWithWhatCannotBePushedRaisesAtTheSuspendedCall() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            let deep = nested(LuaState.maxDataDepth + 5)
            state.register("waitDeep") { call in
                guard let task = scheduler.currentTask else { throw LuaScriptError("not in a task") }
                scheduler.after(0) { scheduler.wake(task, with: [deep]) }
                return call.suspend()
            }
            let task = try spawn(scheduler, """
                local ok, message = pcall(function() return waitDeep() end)
                -- also through a coroutine that Lua code made
                local co = coroutine.wrap(function() return pcall(function() return waitDeep() end) end)
                local ok2, message2 = co()
                return ok, message, ok2, message2
                """)
            scheduler.run()
            guard case .success(let values)? = task.result else { return XCTFail("\(String(describing: task.result))") }
            XCTAssertEqual(values[0], .bool(false))
            XCTAssertEqual(values[2], .bool(false))
            for message in [values[1], values[3]] {
                XCTAssertTrue(message.stringValue?.hasPrefix("task:") == true, "the caller's position: \(message)")
                XCTAssertTrue(message.stringValue?.contains("nested too deeply") == true, "\(message)")
            }
        }
    }

    func testResultsThatAreNotDataFailTheTaskByName() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            let task = try spawn(scheduler, "return 1, function() end")
            scheduler.run()
            guard case .failure(let error)? = task.result else { return XCTFail("\(String(describing: task.result))") }
            XCTAssertTrue(error.message.contains("result #2"), error.message)
            XCTAssertTrue(error.message.contains("function"), error.message)
        }
    }

    /// A limit raised in Lua code that a Swift function called used to come back into Lua as a
    /// plain string, which an outer pcall then caught.
    func testALimitKeepsItsIdentityThroughASwiftFrame() throws {
        try withLuaState { state in
            state.register("callBack") { call in
                let function = try call.function(1)
                try function.callDiscarding()
                return 0
            }
            state.register("interruptThenCall") { call in
                let function = try call.function(1)
                state.interrupt()
                try function.callDiscarding()
                return 0
            }
            assertLuaError(try state.doString("""
                local ok = pcall(interruptThenCall, function() for i = 1, 1e6 do end end)
                return 'caught'
                """), kind: .interrupted)
            XCTAssertEqual(try state.doString("return 'usable'"), ["usable"])
        }
        try withLuaState(limits: LuaLimits(deadlineSeconds: 0.2)) { state in
            state.register("callBack") { call in
                try call.function(1).callDiscarding()
                return 0
            }
            let error = assertLuaError(try state.doString("""
                local ok, e = xpcall(callBack, function(e) return e end, function() while true do end end)
                return 'caught'
                """), kind: .deadline)
            XCTAssertTrue(error?.message.contains("deadline exceeded") == true, error?.message ?? "")
        }
        try withLuaState(limits: LuaLimits(memoryBytes: 3_000_000)) { state in
            state.register("callBack") { call in
                try call.function(1).callDiscarding()
                return 0
            }
            assertLuaError(try state.doString("""
                local ok = pcall(callBack, function() local t = {} while true do t[#t + 1] = ('x'):rep(64) .. #t end end)
                collectgarbage()
                return 'caught'
                """), kind: .memoryLimit, message: "memory limit exceeded (3000000 bytes)")
        }
    }
}
