import Dispatch
import RScriptTesting
import XCTest
@testable import LuaBridge

/// Memory, instruction and deadline limits, and interrupts (`LuaLimits` in `State/LuaState.swift`,
/// enforced by the C shim's allocator and hook).
final class LuaLimitsTests: XCTestCase {
    /// Code that cannot be stopped except by a limit, and ways a script might try to survive one.
    static let busyLoops = [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "while true do xpcall(function() while true do end end, function(e) return e end) end",
        "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
        "while true do pcall(coroutine.wrap(function() while true do end end)) end",
        "local function f() while true do end end while true do pcall(pcall, f) end",
    ]

    func testMemoryLimitStopsAnAllocatingLoopAndTheStateStaysUsable() throws {
        try withLuaState(limits: LuaLimits(memoryBytes: 4_000_000)) { state in
            let watchdog = Watchdog(state)
            defer { watchdog.cancel() }
            assertLuaError(
                try state.doString("local t = {} while true do t[#t + 1] = ('x'):rep(100) .. #t end"),
                kind: .memoryLimit, message: "memory limit exceeded (4000000 bytes)")
            XCTAssertLessThanOrEqual(state.memoryPeak, 4_000_000)
            // More code runs, and can use the memory the failed chunk held.
            XCTAssertEqual(try state.doString("""
                local t = {}
                for i = 1, 10000 do t[i] = ('y'):rep(100) .. i end
                return #t
                """), [10000])
            XCTAssertEqual(try state.doString("return 1 + 1"), [2])
            XCTAssertLessThan(state.memoryUsed, 4_000_000)
        }
    }

    func testInstructionBudgetStopsBusyLoopsThatTryToCatchIt() throws {
        try withLuaState(limits: LuaLimits(instructions: 1_000_000)) { state in
            let watchdog = Watchdog(state)
            defer { watchdog.cancel() }
            for loop in Self.busyLoops {
                let error = assertLuaError(try state.doString(loop), kind: .instructionLimit)
                XCTAssertTrue(error?.message.hasSuffix("instruction budget exceeded (1000000 instructions)") == true,
                              "\(loop): \(error?.message ?? "")")
                XCTAssertTrue(error?.message.hasPrefix("(string):1:") == true, error?.message ?? "")
            }
            XCTAssertFalse(watchdog.cancel(), "the budget stopped every loop, not the watchdog")
        }
    }

    func testInstructionBudgetIsPerEntryAndTheStateStaysUsable() throws {
        try withLuaState(limits: LuaLimits(instructions: 1_000_000)) { state in
            let watchdog = Watchdog(state)
            defer { watchdog.cancel() }
            assertLuaError(try state.doString("while true do end"), kind: .instructionLimit)
            // Each entry from Swift gets the whole budget again: three runs of about 60% of it pass.
            let work = try state.load("local n = 0 for i = 1, 150000 do n = n + i end return n", chunkName: "=work")
            for _ in 0..<3 { XCTAssertEqual(try work.call(), [.int(150000 * 150001 / 2)]) }
            XCTAssertEqual(try work.call(returning: Int.self), 150000 * 150001 / 2)
            // Swift functions Lua calls do not restart the count.
            state.register("nested") { call in
                try call.function(1).callDiscarding()
                return 0
            }
            assertLuaError(
                try state.doString("while true do nested(function() for i = 1, 100 do end end) end"),
                kind: .instructionLimit)
            state.limits = .none
            XCTAssertEqual(try state.doString("local n = 0 for i = 1, 2000000 do n = n + 1 end return n"), [2_000_000])
        }
    }

    func testInstructionBudgetInATask() throws {
        try withLuaState(limits: LuaLimits(instructions: 100_000)) { state in
            let watchdog = Watchdog(state)
            defer { watchdog.cancel() }
            let scheduler = LuaScheduler(state: state)
            let body = try state.load("while true do pcall(function() while true do end end) end", chunkName: "=spin")
            let task = scheduler.spawn(body)
            scheduler.run()
            guard case .failure(let error)? = task.result else { return XCTFail("\(String(describing: task.result))") }
            XCTAssertEqual(error.kind, .instructionLimit, error.description)
        }
    }

    func testDeadlineStopsABusyLoopInAboutThatTime() throws {
        try withLuaState(limits: LuaLimits(deadlineSeconds: 0.2)) { state in
            let watchdog = Watchdog(state)
            defer { watchdog.cancel() }
            for loop in Self.busyLoops.prefix(2) {
                let start = ContinuousClock.now
                let error = assertLuaError(try state.doString(loop), kind: .deadline)
                let elapsed = ContinuousClock.now - start
                XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(190), loop)
                XCTAssertLessThan(elapsed, .milliseconds(1500), loop)
                XCTAssertTrue(error?.message.hasSuffix("deadline exceeded (0.2 s of wall-clock time)") == true,
                              error?.message ?? "")
            }
            XCTAssertEqual(try state.doString("return 'usable'"), ["usable"])
        }
    }

    func testInterruptFromAnotherThread() throws {
        try withLuaState { state in
            let box = UncheckedSendable(state)
            for loop in Self.busyLoops.prefix(2) {
                let watchdog = Watchdog(state)
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { box.value.interrupt() }
                let start = ContinuousClock.now
                let error = assertLuaError(try state.doString(loop), kind: .interrupted, message: "(string):1: interrupted")
                XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
                XCTAssertNotNil(error)
                XCTAssertFalse(watchdog.cancel())
            }
            // Nothing pending afterwards: long code runs to the end.
            XCTAssertEqual(try state.doString("local n = 0 for i = 1, 1000000 do n = n + 1 end return n"), [1_000_000])
        }
    }

    func testInterruptReachesCoroutinesThatLuaMade() throws {
        try withLuaState { state in
            let box = UncheckedSendable(state)
            let spin = "coroutine.wrap(function() while true do pcall(function() while true do end end) end end)()"
            let watchdog = Watchdog(state)
            defer { watchdog.cancel() }
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { box.value.interrupt() }
            assertLuaError(try state.doString(spin), kind: .interrupted, message: "(string):1: interrupted")

            let scheduler = LuaScheduler(state: state)
            let task = scheduler.spawn(try state.load(spin, chunkName: "=spin"))
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { box.value.interrupt() }
            scheduler.run()
            guard case .failure(let error)? = task.result else { return XCTFail("\(String(describing: task.result))") }
            XCTAssertEqual(error.kind, .interrupted, error.description)
            XCTAssertFalse(watchdog.cancel(), "the interrupt stopped both, not the watchdog")
        }
    }

    func testInterruptStopsATaskAndLeavesNoHookBehind() throws {
        // A budget far beyond what the spinning task can use before the interrupt.
        try withLuaState(limits: LuaLimits(instructions: 1_000_000_000)) { state in
            let box = UncheckedSendable(state)
            let scheduler = LuaScheduler(state: state)
            let body = try state.load("while true do pcall(function() while true do end end) end", chunkName: "=spin")
            let task = scheduler.spawn(body)
            let watchdog = Watchdog(state)
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { box.value.interrupt() }
            scheduler.run()
            XCTAssertFalse(watchdog.cancel())
            guard case .failure(let error)? = task.result else { return XCTFail("\(String(describing: task.result))") }
            XCTAssertEqual(error.kind, .interrupted, error.description)
            XCTAssertEqual(error.message, "spin:1: interrupted")
            // The per-instruction hook the interrupt needed is gone again, on every thread: the
            // budget counts as usual (about 3M instructions here), on the main thread and in a task.
            let work = try state.load("local n = 0 for i = 1, 1000000 do n = n + 1 end return n", chunkName: "=work")
            XCTAssertEqual(try work.call(), [1_000_000])
            let next = scheduler.spawn(work)
            scheduler.run()
            XCTAssertEqual(try next.result?.get(), [1_000_000])
        }
    }

    func testAnInterruptNobodyConsumedCanBeCleared() throws {
        try withLuaState { state in
            state.interrupt()
            state.clearInterrupt()
            XCTAssertEqual(try state.doString("local n = 0 for i = 1, 100000 do n = n + 1 end return n"), [100_000])
            state.interrupt()  // pending: the next Lua code stops
            assertLuaError(try state.doString("local n = 0 for i = 1, 100000 do n = n + 1 end return n"), kind: .interrupted)
            XCTAssertEqual(try state.doString("return 'usable'"), ["usable"])
        }
    }
}
