import Foundation
import GRDB
import RScriptTesting
import RenderAutomation
import XCTest

/// `rscript gallery` on a database with a damaged row (a JSON column that is not JSON): the
/// commands say which row, and `rm --force` can still remove it.
final class DamagedGalleryTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-damaged-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func gallery(_ arguments: [String]) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["gallery"] + arguments + ["--db", folder + "/gallery.db"], directory: folder)
    }

    func testADamagedRowIsNamedAndCanBeRemoved() throws {
        let path = folder + "/gallery.db"
        let store = try GalleryStore(path: path)
        let bad = try store.createRender(label: "L", renderer: "R", scene: "a", options: ["plugin": ["q": 1]]).id
        let good = try store.createRender(label: "L", renderer: "R", scene: "b").id
        _ = try store.finish(id: bad, state: .finished)
        _ = try store.finish(id: good, state: .finished)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE renders SET options = ? WHERE id = ?", arguments: ["{\"plugin\"", bad])
        }
        let message = "rscript: the gallery database \(path) has a damaged row: renders row id \(bad): options is not valid JSON ("

        let list = try gallery(["list"])
        XCTAssertEqual(list.status, 1)
        XCTAssertTrue(list.stderr.hasPrefix(message), list.stderr)
        let show = try gallery(["show", String(bad)])
        XCTAssertEqual(show.status, 1)
        XCTAssertTrue(show.stderr.hasPrefix(message), show.stderr)
        let other = try gallery(["show", String(good), "--json"])
        XCTAssertEqual(other.status, 0, "other renders still read: \(other.stderr)")

        let refused = try gallery(["rm", String(bad)])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.hasPrefix(message), refused.stderr)
        let removed = try gallery(["rm", String(bad), "--force"])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertEqual(removed.stdout, "removed render \(bad) (its row was damaged)\n")
        let after = try gallery(["list", "--json"])
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertTrue(after.stdout.contains("\"id\":\(good)") || after.stdout.contains("\"id\": \(good)"), after.stdout)
    }
}
