import Foundation
import XCTest
@testable import LuaBridge

/// The thread-safe queue into a loop (`Tasks/Mailbox.swift`).
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
}
