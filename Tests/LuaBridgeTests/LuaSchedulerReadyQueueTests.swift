import CLuaShim
import RScriptTesting
import XCTest
@testable import LuaBridge

/// The scheduler's ready queue stays small however long the loop runs (`Tasks/LuaScheduler.swift`):
/// entries already run are dropped every turn, so neither a task that yields forever nor a task
/// woken every turn makes it grow, and the tasks it held can be collected.
final class LuaSchedulerReadyQueueTests: XCTestCase {
    func testATaskThatYieldsForeverDoesNotGrowTheReadyQueue() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            let task = try spawn(scheduler, "local n = 0 while true do n = n + 1 coroutine.yield() end")
            var turns = 0
            var largest = 0
            scheduler.onTurn = {
                turns += 1
                largest = max(largest, scheduler.readyStorageCount)
            }
            scheduler.run(until: { turns >= 20_000 })
            XCTAssertEqual(task.state, .ready, "it kept yielding")
            XCTAssertLessThanOrEqual(largest, 1, "one entry: the yielding task, once")
        }
    }

    func testTasksWokenEveryTurnDoNotGrowTheReadyQueue() throws {
        // Two tasks that hand a token back and forth: each wakes the other from inside its turn,
        // so the queue never runs empty at the end of a turn.
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            var waiting: [LuaScheduler.Task] = []
            state.register("pass") { call in
                guard let me = scheduler.currentTask else { throw LuaScriptError("pass: not in a task") }
                if let other = waiting.popLast() { scheduler.wake(other) }
                waiting.append(me)
                return call.suspend()
            }
            _ = try spawn(scheduler, "while true do pass() end")
            _ = try spawn(scheduler, "while true do pass() end")
            var turns = 0
            var largest = 0
            scheduler.onTurn = {
                turns += 1
                largest = max(largest, scheduler.readyStorageCount)
            }
            scheduler.run(until: { turns >= 20_000 })
            XCTAssertEqual(turns, 20_000)
            XCTAssertLessThanOrEqual(largest, 2)
        }
    }

    func testFinishedTasksAreNotKeptAliveByTheQueue() throws {
        try withLuaState { state in
            let scheduler = LuaScheduler(state: state)
            let body = try state.load("coroutine.yield() return 1", chunkName: "=task")
            weak var finished: LuaScheduler.Task?
            do {
                let task = scheduler.spawn(body)
                finished = task
            }
            // Another task keeps the queue busy at the end of every turn.
            _ = try spawn(scheduler, "while true do coroutine.yield() end")
            var turns = 0
            scheduler.onTurn = { turns += 1 }
            scheduler.run(until: { turns >= 10 })
            XCTAssertNil(finished, "the finished task (and its coroutine) was released")
        }
    }
}
