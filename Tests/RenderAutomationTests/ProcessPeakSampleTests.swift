import Foundation
import XCTest
@testable import RenderAutomation

/// The peak sample of the render poll (`ProcessStats.readPeakRss`) agrees with the full /proc read.
final class ProcessPeakSampleTests: XCTestCase {
    func testThePeakOfALiveProcessMatchesTheFullRead() throws {
        let pid = getpid()
        let full = try XCTUnwrap(ProcessStats.read(pid: pid))
        let peak = try XCTUnwrap(ProcessStats.readPeakRss(pid: pid))
        // VmHWM only grows: the sample taken after the full read is at least its peak.
        XCTAssertGreaterThanOrEqual(peak, full.peakRss)
        XCTAssertLessThan(peak, full.peakRss + 64 * 1_048_576)
        XCTAssertGreaterThanOrEqual(peak, full.rss)
    }

    func testAGoneProcessAndOddStatusFiles() {
        XCTAssertNil(ProcessStats.readPeakRss(pid: Int32.max))
        func parse(_ text: String) -> Int? {
            Array(text.utf8).withUnsafeBufferPointer { ProcessStats.vmHWM(in: $0) }
        }
        XCTAssertEqual(parse("Name:\tx\nVmPeak:\t  9 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1 kB\n"), 1234 * 1024)
        XCTAssertEqual(parse("VmHWM: 7 kB"), 7 * 1024, "first line, no newline at the end")
        XCTAssertNil(parse("Name:\tVmHWM: 5 kB\n"), "only at the start of a line")
        XCTAssertNil(parse("VmHWM:\t kB\n"))
        XCTAssertNil(parse("VmHW"))
        XCTAssertNil(parse(""))
    }
}
