import CLuaShim
import RScriptTesting
import Synchronization
import XCTest
@testable import LuaBridge

/// Swift objects as userdata (`Userdata/LuaClass.swift`).
final class LuaClassTests: XCTestCase {
    class Counter {
        /// Instances alive now, and made so far.
        static let live = Mutex(0)
        static let made = Mutex(0)

        let label: String
        var count: Int64 = 0

        init(label: String) {
            self.label = label
            Counter.live.withLock { $0 += 1 }
            Counter.made.withLock { $0 += 1 }
        }

        deinit { Counter.live.withLock { $0 -= 1 } }
    }

    final class LoudCounter: Counter {}
    final class Widget {}

    private func register(_ state: LuaState) {
        var counter = LuaClass<Counter>("Counter")
        counter.method("increment") { object, call in
            object.count += try call.optionalInteger(2) ?? 1
            return 0
        }
        counter.method("get") { object, call in
            call.push(object.count)
            return 1
        }
        counter.property("label") { object, call in
            call.push(object.label)
            return 1
        }
        counter.property("count", get: { object, call in
            call.push(object.count)
            return 1
        }, set: { object, call in
            object.count = try call.integer(3)
        })
        counter.description { "Counter(\($0.label), \($0.count))" }
        state.register(counter)

        var widget = LuaClass<Widget>("Widget")
        widget.method("poke") { _, _ in 0 }
        state.register(widget)

        state.register("Counter") { call in
            call.push(object: Counter(label: try call.optionalString(1) ?? "anonymous"))
            return 1
        }
        state.register("Widget") { call in
            call.push(object: Widget())
            return 1
        }
        state.register("LoudCounter") { call in
            call.push(object: LoudCounter(label: "loud"))
            return 1
        }
    }

    private func setGlobal(_ state: LuaState, _ name: String, object: some AnyObject) {
        state.push(object: object)
        lua_setglobal(state.L, name)
    }

    func testMethodsPropertiesAndToString() throws {
        let mine = Counter(label: "from Swift")
        try withLuaState { state in
            register(state)
            setGlobal(state, "mine", object: mine)
            try state.doString("""
                local c = Counter("a")
                assert(type(c) == "userdata")
                c:increment()
                c:increment(5)
                assert(c:get() == 6 and math.type(c:get()) == "integer")
                assert(c.count == 6)
                c.count = 10
                assert(c:get() == 10)
                assert(c.label == "a")
                assert(tostring(c) == "Counter(a, 10)", tostring(c))
                assert(c.missing == nil, "unknown fields read as nil")
                assert(getmetatable(c) == "locked")
                assert(not pcall(setmetatable, c, {}))

                mine:increment(41)
                mine.count = mine.count + 1
                local w = Widget()
                assert(tostring(w):match("^Widget: 0x%x+$") or tostring(w):match("^Widget: %x+$"), tostring(w))
                assert(w.poke and w.nothing == nil)
                """)
        }
        XCTAssertEqual(mine.count, 42, "Lua changed the Swift object itself")
    }

    func testAssigningReadOnlyOrUnknownFieldsIsAnError() throws {
        try withLuaState { state in
            register(state)
            try state.doString("""
                local c = Counter("ro")
                local ok, e = pcall(function() c.label = "x" end)
                assert(not ok and e == "(string):2: cannot assign to field 'label' of Counter (no such writable property)", e)
                ok, e = pcall(function() c.nope = 1 end)
                assert(e == "(string):4: cannot assign to field 'nope' of Counter (no such writable property)", e)
                ok, e = pcall(function() c.increment = print end)
                assert(e == "(string):6: cannot assign to field 'increment' of Counter (no such writable property)", e)
                ok, e = pcall(function() c.count = "many" end)
                assert(e == "(string):8: bad argument #3 to 'Counter.count' (number expected, got string)", e)
                assert(c.label == "ro" and c.count == 0 and c.nope == nil)
                local w = Widget()
                ok, e = pcall(function() w.x = 1 end)
                assert(e == "(string):12: cannot assign to field 'x' of Widget (no such writable property)", e)
                """)
        }
    }

    func testWrongSelfIsALuaErrorNotACrash() throws {
        try withLuaState { state in
            register(state)
            try state.doString("""
                local c, w = Counter(), Widget()
                local function check(f, message, ...)
                  local ok, e = pcall(f, ...)
                  assert(not ok and e == message, e)
                end
                check(c.get, "bad argument #1 to 'Counter:get' (Counter expected, got number)", 42)
                check(c.get, "bad argument #1 to 'Counter:get' (Counter expected, got Widget)", w)
                check(c.get, "bad argument #1 to 'Counter:get' (Counter expected, got no value)")
                check(c.get, "bad argument #1 to 'Counter:get' (Counter expected, got table)", {})
                check(c.increment, "bad argument #1 to 'Counter:increment' (Counter expected, got string)", "c")
                check(w.poke, "bad argument #1 to 'Widget:poke' (Widget expected, got Counter)", c)
                check(function() local r = c.get(42) return r end,
                      "(string):12: bad argument #1 to 'Counter:get' (Counter expected, got number)")
                check(c.increment, "bad argument #2 to 'Counter:increment' (number expected, got string)", c, "x")
                """)
            assertLuaError(
                try state.doString("local c = Counter()\nc.get(42)"), kind: .runtime,
                message: "(string):2: bad argument #1 to 'Counter:get' (Counter expected, got number)")
            assertLuaError(
                try state.doString("local c = Counter()\nc.get(Widget())"), kind: .runtime,
                message: "(string):2: bad argument #1 to 'Counter:get' (Counter expected, got Widget)")
        }
    }

    func testSubclassesUseTheRegisteredSuperclass() throws {
        try withLuaState { state in
            register(state)
            try state.doString("""
                local l = LoudCounter()
                l:increment(3)
                assert(l:get() == 3 and l.label == "loud" and tostring(l) == "Counter(loud, 3)")
                local c = Counter()
                assert(pcall(c.get, l), "a subclass instance is a valid self")
                """)
        }
    }

    func testObjectIsReleasedWhenLuaCollectsIt() throws {
        weak var weakCounter: Counter?
        try withLuaState { state in
            register(state)
            do {
                let counter = Counter(label: "temporary")
                weakCounter = counter
                setGlobal(state, "held", object: counter)
            }
            try state.doString("collectgarbage() collectgarbage()")
            XCTAssertNotNil(weakCounter, "a global still refers to the userdata")
            XCTAssertEqual(weakCounter?.label, "temporary")
            try state.doString("held = nil collectgarbage() collectgarbage()")
            XCTAssertNil(weakCounter, "__gc released the Swift object")
        }
    }

    func testObjectsAliveAtCloseAreReleased() throws {
        weak var weakCounter: Counter?
        try withLuaState { state in
            register(state)
            do {
                let counter = Counter(label: "kept")
                weakCounter = counter
                setGlobal(state, "kept", object: counter)
            }
            XCTAssertNotNil(weakCounter)
        }
        XCTAssertNil(weakCounter, "closing the state released it")
    }

    func testManyObjectsLeakNeitherLuaMemoryNorSwiftObjects() throws {
        try withLuaState { state in
            register(state)
            let collect = try state.load("collectgarbage() collectgarbage()", chunkName: "=collect")
            let churn = try state.load("""
                for i = 1, 100000 do
                  local c = Counter("n")
                  c:increment(i)
                  if c:get() ~= i then error("wrong count") end
                end
                """, chunkName: "=churn")
            try collect.call()
            let liveBefore = Counter.live.withLock { $0 }
            let madeBefore = Counter.made.withLock { $0 }
            let memoryBefore = state.memoryUsed
            try churn.call()
            try collect.call()
            XCTAssertEqual(Counter.made.withLock { $0 } - madeBefore, 100_000)
            XCTAssertEqual(Counter.live.withLock { $0 }, liveBefore, "every Swift object was released")
            XCTAssertLessThan(state.memoryUsed - memoryBefore, 16 * 1024, "memory back to where it was")
        }
    }
}
