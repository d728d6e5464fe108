import Foundation
import GRDB
import LuaBridge
@testable import RenderAutomation
import XCTest

/// Damaged rows and folders that cannot be made are errors that say where, never data that
/// quietly changed (a JSON column read back as a string) or a job whose log has nowhere to go.
final class StoredDataErrorTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-stored-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Writes `sql` straight into the file, as a hand edit or a damaged disk would.
    private func damage(_ path: String, _ sql: String, _ arguments: StatementArguments) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    func testARenderWhoseOptionsAreNotJSONIsReportedWithItsId() throws {
        let path = folder + "/gallery.db"
        let store = try GalleryStore(path: path)
        let good = try store.createRender(label: "L", renderer: "R", scene: "s", options: ["plugin": ["q": 1]])
        let bad = try store.createRender(label: "L", renderer: "R", scene: "s", options: ["plugin": ["q": 2]])
        try damage(path, "UPDATE renders SET options = ? WHERE id = ?", ["{\"plugin\": {\"q\": 2", bad.id])

        XCTAssertEqual(try store.snapshot(id: good.id)?.options, ["plugin": ["q": 1]], "other rows still read")
        for read in [{ _ = try store.snapshot(id: bad.id) }, { _ = try store.list() }] {
            XCTAssertThrowsError(try read()) { error in
                let failure = error as? GalleryError
                XCTAssertEqual(failure?.kind, .corruptRow)
                XCTAssertEqual(failure?.path, path)
                let message = failure?.description ?? "\(error)"
                XCTAssertTrue(message.hasPrefix("the gallery database \(path) has a damaged row: renders row id \(bad.id): options is not valid JSON ("), message)
            }
        }
    }

    func testMetadataThatIsNotJSONIsReportedWithTheRenderAndTheKey() throws {
        let path = folder + "/gallery.db"
        let store = try GalleryStore(path: path)
        let render = try store.createRender(label: "L", renderer: "R", scene: "s")
        try store.mergeMetadata(id: render.id, ["percentDone": 50, "note": "fine"])
        XCTAssertEqual(try store.snapshot(id: render.id)?.metadata["note"], "fine")
        try damage(path, "UPDATE render_metadata SET value = ? WHERE renderId = ? AND key = ?", ["fine", render.id, "note"])
        XCTAssertThrowsError(try store.snapshot(id: render.id)) { error in
            XCTAssertEqual((error as? GalleryError)?.kind, .corruptRow)
            XCTAssertTrue("\(error)".contains("render_metadata row render \(render.id), key 'note': value is not valid JSON"), "\(error)")
        }
    }

    func testAJobWhosePassedDataOrResultIsNotJSONIsReportedWithItsId() throws {
        let path = folder + "/queue.db"
        let store = try JobStore(path: path)
        let job = try store.insert(.init(name: "bake", script: "/jobs/bake.lua", passedData: ["frames": 10]), owner: nil)
        for column in ["passedData", "result"] {
            try damage(path, "UPDATE jobs SET \(column) = ? WHERE id = ?", ["[1, 2", job.id])
            XCTAssertThrowsError(try store.job(id: job.id)) { error in
                let failure = error as? JobError
                XCTAssertEqual(failure?.kind, .database)
                XCTAssertEqual(failure?.databaseKind, .corruptRow)
                XCTAssertTrue("\(error)".contains("\(path) has a damaged row: jobs row id \(job.id): \(column) is not valid JSON"), "\(error)")
            }
            XCTAssertThrowsError(try store.list())
            try damage(path, "UPDATE jobs SET \(column) = ? WHERE id = ?", ["{}", job.id])
        }
        XCTAssertEqual(try store.job(id: job.id)?.result, [:], "a mended row reads again")
    }

    func testAJobLogFolderThatCannotBeMadeRefusesTheJob() throws {
        let path = folder + "/queue.db"
        let store = try JobStore(path: path)
        // A plain file where the log folder should be: mkdir fails even for root.
        XCTAssertTrue(FileManager.default.createFile(atPath: store.logFolder, contents: Data("x".utf8)))
        XCTAssertThrowsError(try store.insert(.init(name: "bake", script: "/jobs/bake.lua"), owner: nil)) { error in
            let failure = error as? JobError
            XCTAssertEqual(failure?.databaseKind, .notWritable)
            XCTAssertTrue("\(error)".hasPrefix("cannot create the job log folder \(store.logFolder): "), "\(error)")
        }
        XCTAssertEqual(try store.list().count, 0, "no job is recorded whose log cannot be written")
    }

    func testTheMemoryRecordersFolderFailureIsAnError() throws {
        let recorder = MemoryRenderRecorder()
        let id = try recorder.createRender(label: "L", renderer: "R", scene: "s", options: .nil)
        setenv("TMPDIR", folder + "/missing/deeper", 1)
        defer { unsetenv("TMPDIR") }
        XCTAssertThrowsError(try recorder.makeWorkDir(id: id)) { error in
            XCTAssertTrue("\(error)".contains("cannot create the render folder \(folder!)/missing/deeper/rscript-"), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix(": No such file or directory"), "\(error)")
        }
    }

    func testOptionsThatJSONCannotHoldAreAnErrorNotAnEmptyObject() throws {
        let store = try GalleryStore(path: folder + "/gallery.db")
        let recorder = GalleryRecorder(store: store)
        let options: LuaValue = .object(["plugin": .object(["ratio": .double(.nan)]), "viewport": .object([:])])
        XCTAssertThrowsError(try recorder.createRender(label: "L", renderer: "R", scene: "s", options: options)) { error in
            XCTAssertEqual("\(error)", "options.plugin.ratio is nan, which JSON cannot hold")
        }
        XCTAssertEqual(try store.list().count, 0, "no render is recorded with options it lost")
        let id = try recorder.createRender(label: "L", renderer: "R", scene: "s", options: .object(["plugin": .object(["ratio": .double(1.5)])]))
        XCTAssertEqual(try store.snapshot(id: id)?.options, ["plugin": ["ratio": 1.5]])
        XCTAssertThrowsError(try recorder.mergeMetadata(id: id, ["tiles": .table([.int(1): .int(1), .int(3): .int(3)])])) { error in
            XCTAssertTrue("\(error)".hasPrefix("metadata.tiles is a table with a non-string key"), "\(error)")
        }
        XCTAssertEqual(try store.snapshot(id: id)?.metadata, [:], "nothing stored in its place")
    }
}
