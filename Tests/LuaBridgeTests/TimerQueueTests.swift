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

    /// Thousands of adds and cancels in a random order fire exactly the timers left, in
    /// deadline order (ties in the order added), as a plain sorted list says they should.
    func testRandomAddsAndCancelsMatchASortedList() {
        var rng = SystemRandomNumberGenerator()
        var timers = TimerQueue()
        var model: [(deadline: Double, order: Int, id: Int)] = []
        var fired: [Int] = []
        for order in 0..<5000 {
            if !model.isEmpty && Int.random(in: 0..<3, using: &rng) == 0 {
                let victim = model.remove(at: Int.random(in: 0..<model.count, using: &rng))
                timers.cancel(victim.id)
            } else {
                let deadline = Double(Int.random(in: 0..<200, using: &rng))  // many ties
                let id = timers.add(deadline: deadline) { fired.append(order) }
                model.append((deadline, order, id))
            }
            XCTAssertEqual(timers.liveCount, model.count)
        }
        for action in timers.popDue(now: 1e9) { action() }
        let expected = model.sorted { ($0.deadline, $0.order) < ($1.deadline, $1.order) }.map(\.order)
        XCTAssertEqual(fired, expected)
    }

    /// A cancelled timer lets go of its action (and what it holds) at once.
    func testACancelledTimerReleasesItsAction() {
        final class Held {}
        var timers = TimerQueue()
        weak var weakHeld: Held?
        var id = 0
        do {
            let held = Held()
            weakHeld = held
            id = timers.add(deadline: 60) { _ = held }
        }
        XCTAssertNotNil(weakHeld)
        timers.cancel(id)
        XCTAssertNil(weakHeld, "the action was dropped with the timer, not kept until 60 s")
    }

    /// Cancelled timers leave tombstones, which never outnumber the live timers for long.
    func testCancelsKeepTheHeapBounded() {
        var timers = TimerQueue()
        let keep = (0..<10).map { timers.add(deadline: 1e6 + Double($0)) {} }
        for i in 0..<100_000 {
            let id = timers.add(deadline: 60 + Double(i % 100)) {}
            timers.cancel(id)
            XCTAssertLessThanOrEqual(timers.slotCount, 2 * max(64, timers.liveCount) + 2)
        }
        XCTAssertEqual(timers.liveCount, 10)
        XCTAssertEqual(timers.nextDeadline, 1e6, "the top is a live timer")
        timers.cancel(keep[0])
        XCTAssertEqual(timers.nextDeadline, 1e6 + 1)
        XCTAssertEqual(timers.popDue(now: 2e6).count, 9)
        XCTAssertEqual(timers.slotCount, 0)
    }
}
