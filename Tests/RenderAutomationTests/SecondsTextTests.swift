@testable import RenderAutomation
import XCTest

/// The styles of `SecondsText`, each as its readers (tables, messages, progress lines) see it.
final class SecondsTextTests: XCTestCase {
    func testShortDurationsOfTables() {
        XCTAssertEqual(SecondsText.short(4.24), "4.2s")
        XCTAssertEqual(SecondsText.short(187), "3m07s")
        XCTAssertEqual(SecondsText.short(7500), "2h05m")
        XCTAssertEqual(SecondsText.short(-1), "0.0s")
    }

    func testExactSecondsOfMessages() {
        XCTAssertEqual(SecondsText.exact(2), "2 s")
        XCTAssertEqual(SecondsText.exact(0.5), "0.5 s")
        XCTAssertEqual(SecondsText.exact(1e300), "1e+300 s", "a huge value prints as it is, without trapping")
        XCTAssertEqual(SecondsText.exact(.infinity), "inf s")
    }

    func testProgressStyles() {
        XCTAssertEqual(SecondsText.tenths(12.34), "12.3 s")
        XCTAssertEqual(SecondsText.tenths(3), "3.0 s")
        XCTAssertEqual(SecondsText.twoDigits(0.523), "0.52 s")
        XCTAssertEqual(SecondsText.twoDigits(12.6), "13 s")
        XCTAssertEqual(SecondsText.clock(64.2), "1:05")
        XCTAssertEqual(SecondsText.clock(7384), "2:03:04")
    }
}
