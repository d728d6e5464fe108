import Foundation
import XCTest
@testable import LuaBridge

/// The thread-safe queue into a loop (`Tasks/Mailbox.swift`) and the timer heap
/// (`Tasks/TimerQueue.swift`).
final class MailboxTests: XCTestCase {
    func testPostsFromManyThreadsAllArrive() {
        let mailbox = Mailbox()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<100 {
                mailbox.post { _ in _ = (thread, i) }
            }
        }
        let work = mailbox.takeAll()
        XCTAssertEqual(work.count, 800)
        XCTAssertTrue(mailbox.takeAll().isEmpty)
    }

    func testWaitReturnsWhenWokenOrAfterTheTimeout() {
        let mailbox = Mailbox()
        var start = ContinuousClock.now
        mailbox.wait(timeout: 0.05)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(45))

        DispatchQueue.global().asyncAfter(deadline: .now() + 0.02) { mailbox.post { _ in } }
        start = ContinuousClock.now
        mailbox.wait(timeout: nil)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
        XCTAssertEqual(mailbox.takeAll().count, 1)

        mailbox.wake()
        start = ContinuousClock.now
        mailbox.wait(timeout: 5)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(1), "a wake before the wait is not lost")
    }

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
