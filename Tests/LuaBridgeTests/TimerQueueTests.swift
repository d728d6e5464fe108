import XCTest
@testable import LuaBridge

/// The timer heap of a loop (`Tasks/TimerQueue.swift`).
final class TimerQueueTests: XCTestCase {
    func testTimerQueueOrdersByDeadlineAndDropsCancelled() {
        var timers = TimerQueue()
        var fired: [Int] = []
        let deadlines = [5.0, 1.0, 4.0, 2.0, 3.0, 1.5, 0.5]
        var ids: [Int] = []
        for (index, deadline) in deadlines.enumerated() {
            ids.append(timers.add(deadline: deadline) { fired.append(index) })
        }
        XCTAssertEqual(timers.liveCount, 7)
        timers.cancel(ids[6])  // 0.5
        timers.cancel(ids[6])  // twice: no effect
        timers.cancel(9999)
        XCTAssertEqual(timers.liveCount, 6)
        XCTAssertEqual(timers.nextDeadline, 1.0)
        for action in timers.popDue(now: 2.0) { action() }
        XCTAssertEqual(fired, [1, 5, 3])
        XCTAssertEqual(timers.liveCount, 3)
        for action in timers.popDue(now: 10) { action() }
        XCTAssertEqual(fired, [1, 5, 3, 4, 2, 0])
        XCTAssertNil(timers.nextDeadline)
        XCTAssertEqual(timers.liveCount, 0)
    }
}
