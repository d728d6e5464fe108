import Foundation
import RenderAutomation
import XCTest

/// Retention periods and `DatabasePrune` against a real gallery file (`Gallery/DatabasePrune.swift`);
/// the command and every table are covered end to end in `GalleryPruneTests`.
final class DatabasePruneTests: XCTestCase {
    var folder = ""
    var db: String { folder + "/gallery.db" }

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-prune-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func testPeriodsAreANumberAndOneUnit() {
        XCTAssertEqual(RetentionPeriod("30d")?.seconds, 30 * 86400)
        XCTAssertEqual(RetentionPeriod("1.5h")?.seconds, 5400)
        XCTAssertEqual(RetentionPeriod("2w")?.seconds, 14 * 86400)
        XCTAssertEqual(RetentionPeriod("90m")?.seconds, 5400)
        XCTAssertEqual(RetentionPeriod("0s")?.seconds, 0)
        XCTAssertEqual(RetentionPeriod(" 7d ")?.text, "7d")
        for bad in ["30", "d", "-1d", "30D", "1e3d", "nand", "inf d", "3 d", "", "30dd", "1.2.3d"] {
            XCTAssertNil(RetentionPeriod(bad), bad)
        }
    }

    func testAMissingDatabaseHasNothingToPruneAndIsNotCreated() throws {
        let report = try DatabasePrune.prune(path: db, olderThan: RetentionPeriod("1d")!)
        XCTAssertTrue(report.isEmpty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: db))
    }

    func testTheCutoffIsThePeriodBeforeNow() throws {
        let store = try GalleryStore(path: db)
        let ended = try store.createRender(label: "L", renderer: "R", scene: "/s").id
        try store.finish(id: ended, state: .finished)
        let rendering = try store.createRender(label: "L", renderer: "R", scene: "/s").id
        let period = RetentionPeriod("30d")!
        // Ten days on, the render is 10 days old: kept (a dry run does not change that either).
        let early = try DatabasePrune.prune(path: db, olderThan: period, now: Date().addingTimeInterval(10 * 86400))
        XCTAssertTrue(early.isEmpty)
        XCTAssertEqual(try DatabasePrune.prune(path: db, olderThan: period, now: Date().addingTimeInterval(40 * 86400), dryRun: true).renders, [ended])
        XCTAssertNotNil(try store.snapshot(id: ended, fullImageHistory: false), "a dry run removes nothing")
        // Forty days on it goes; the one still rendering stays however old.
        let late = try DatabasePrune.prune(path: db, olderThan: period, now: Date().addingTimeInterval(40 * 86400))
        XCTAssertEqual(late.renders, [ended])
        XCTAssertNil(try store.snapshot(id: ended, fullImageHistory: false))
        XCTAssertNotNil(try store.snapshot(id: rendering, fullImageHistory: false))
    }
}
