import Foundation
@testable import RenderAutomation
import XCTest

/// How the gallery commands show renders: durations, percentages, the table, the watch line.
final class GalleryFormatTests: XCTestCase {
    func snapshot(id: Int64 = 1, state: RenderState = .rendering, metadata: [String: JSONValue] = [:],
                  images: [String] = [], pid: Int32? = nil) -> RenderSnapshot {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        return RenderSnapshot(
            id: id, label: "POV-Ray", renderer: "PovRay", scene: "/s/a.pov", options: [:], state: state,
            imagePaths: images.map { .init(path: $0, time: start) }, imageCount: images.count, metadata: metadata,
            startedAt: start, endedAt: state.isEnded ? start.addingTimeInterval(75) : nil, updatedAt: start,
            logPath: nil, workDir: nil, error: nil, pid: pid, changeCount: 1)
    }

    func testPercents() {
        XCTAssertEqual(GalleryFormat.percent(42), "42%")
        XCTAssertEqual(GalleryFormat.percent(42.55), "42.5%")
        XCTAssertEqual(GalleryFormat.percent(nil), "-")
    }

    func testISOTimeIsUTCWithMilliseconds() {
        XCTAssertEqual(GalleryFormat.isoTime(Date(timeIntervalSince1970: 1_700_000_000.25)), "2023-11-14T22:13:20.250Z")
    }

    func testTableAlignsColumns() {
        let table = GalleryFormat.table([
            snapshot(id: 12, state: .finished, metadata: ["percentDone": 100]),
            snapshot(id: 3, metadata: ["percentDone": 7.5]),
        ], now: Date(timeIntervalSince1970: 1_700_000_010))
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("ID  STATE      LABEL    SCENE     PERCENT  STARTED"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("12  finished   POV-Ray  /s/a.pov     100%  "), lines[1])
        XCTAssertTrue(lines[1].hasSuffix("   1m15s"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix(" 3  rendering  POV-Ray  /s/a.pov     7.5%  "), lines[2])
        XCTAssertTrue(lines[2].hasSuffix("   10.0s"), lines[2])
    }

    func testWatchLineAndOrphans() {
        XCTAssertEqual(GalleryFormat.watchLine(snapshot()), "rendering  -")
        XCTAssertEqual(GalleryFormat.watchLine(snapshot(metadata: ["percentDone": 50], images: ["/a.png", "/b.png"])),
                       "rendering  50%  /b.png")
        XCTAssertEqual(GalleryFormat.watchLine(snapshot(pid: getpid())), "rendering  -")
        // A process that has exited and been reaped.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        XCTAssertNoThrow(try process.run())
        process.waitUntilExit()
        let orphan = snapshot(pid: process.processIdentifier)
        XCTAssertTrue(orphan.isOrphaned)
        XCTAssertEqual(GalleryFormat.watchLine(orphan), "rendering (orphaned)  -")
        XCTAssertFalse(snapshot(state: .finished, pid: process.processIdentifier).isOrphaned, "only rendering renders are orphans")
    }

    func testShowPageHasEveryFieldAndSortedMetadata() {
        var r = snapshot(state: .failed, metadata: ["zeta": 1, "alpha": "x", "percentDone": 30], images: ["/1.png", "/2.png"])
        r.error = .init(message: "boom", traceback: "stack traceback:\n\tplugin.lua:3")
        r.logPath = "/log"
        let page = GalleryFormat.page(r)
        for needle in ["id", "label", "renderer", "scene", "state", "started", "ended", "duration", "pid", "log", "work dir",
                       "options", "error", "traceback", "images (2):", "metadata:"] {
            XCTAssertTrue(page.contains(needle), "missing \(needle) in\n\(page)")
        }
        XCTAssertTrue(page.contains("traceback  stack traceback:\n           \tplugin.lua:3"), page)
        let metadataLines = page.components(separatedBy: "metadata:\n")[1].split(separator: "\n")
        XCTAssertEqual(metadataLines.map { $0.split(separator: " ").first.map(String.init) ?? "" }, ["alpha", "percentDone", "zeta"])
        XCTAssertTrue(page.contains("/1.png\n") && page.range(of: "/1.png")!.lowerBound < page.range(of: "/2.png")!.lowerBound)
    }
}
