import Foundation
@testable import RenderAutomation
import XCTest

/// The gallery store on real database files: every field, merges, history, listing, two
/// writers at once, and the errors a user can meet.
final class GalleryStoreTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-gallery-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        chmod(folder, 0o755)
        try? FileManager.default.removeItem(atPath: folder)
    }

    func makeStore(_ name: String = "gallery.db") throws -> GalleryStore {
        try GalleryStore(path: folder + "/" + name)
    }

    func error(_ body: () throws -> Void) -> GalleryError? {
        do {
            try body()
        } catch let error as GalleryError {
            return error
        } catch {
            XCTFail("expected a GalleryError, got \(error)")
        }
        return nil
    }

    // MARK: Round trips

    func testEveryFieldRoundTripsThroughTheFile() throws {
        let options: JSONValue = [
            "plugin": ["quality": 9, "gamma": 2.2, "whole": 3.0, "name": "héllo \"q\"\n\u{1F600}", "none": nil],
            "viewport": ["camera_path": "/cam", "res_x": 640, "res_y": 480, "flags": [true, false, 1, 1.5, []]],
            "empty": [:],
        ]
        let started = Date()
        let store = try makeStore()
        let created = try store.createRender(
            label: "POV-Ray", renderer: "PovRayRenderer", scene: "/scenes/a b.pov", options: options,
            logPath: "/logs/1.log", workDir: "/work/1", pid: 4242)
        XCTAssertEqual(created.state, .rendering)
        XCTAssertEqual(created.imagePaths, [])
        XCTAssertEqual(created.metadata, [:])
        try store.appendImage(id: created.id, path: "/out/a.png")
        try store.mergeMetadata(id: created.id, ["percentDone": 12.5, "peakMemory": 1_000_000, "custom": ["k": [1, 2]]])
        try store.appendImage(id: created.id, path: "/out/a.png")
        XCTAssertTrue(try store.finish(id: created.id, state: .failed,
                                       error: .init(message: "plugin.lua:3: boom", traceback: "stack traceback:\n\t[C]: in ?")))

        // A second store, as another process would open it.
        let other = try makeStore()
        let snapshot = try XCTUnwrap(other.snapshot(id: created.id))
        XCTAssertEqual(snapshot.id, created.id)
        XCTAssertEqual(snapshot.label, "POV-Ray")
        XCTAssertEqual(snapshot.renderer, "PovRayRenderer")
        XCTAssertEqual(snapshot.scene, "/scenes/a b.pov")
        XCTAssertEqual(snapshot.options, options)
        XCTAssertEqual(snapshot.options["plugin"]?["whole"], .double(3.0), "a float that is whole stays a float")
        XCTAssertEqual(snapshot.options["plugin"]?["quality"], .int(9))
        XCTAssertEqual(snapshot.state, .failed)
        XCTAssertEqual(snapshot.imagePaths.map(\.path), ["/out/a.png", "/out/a.png"])
        XCTAssertEqual(snapshot.imageCount, 2)
        XCTAssertEqual(snapshot.metadata, ["percentDone": 12.5, "peakMemory": 1_000_000, "custom": ["k": [1, 2]]])
        XCTAssertEqual(snapshot.percentDone, 12.5)
        XCTAssertEqual(snapshot.startedAt.timeIntervalSince1970, started.timeIntervalSince1970, accuracy: 1)
        XCTAssertEqual(snapshot.startedAt, created.startedAt)
        let ended = try XCTUnwrap(snapshot.endedAt)
        XCTAssertGreaterThanOrEqual(ended, snapshot.startedAt)
        XCTAssertGreaterThanOrEqual(snapshot.updatedAt, snapshot.startedAt)
        XCTAssertEqual(snapshot.logPath, "/logs/1.log")
        XCTAssertEqual(snapshot.workDir, "/work/1")
        XCTAssertEqual(snapshot.error, .init(message: "plugin.lua:3: boom", traceback: "stack traceback:\n\t[C]: in ?"))
        XCTAssertEqual(snapshot.pid, 4242)
        XCTAssertEqual(snapshot.changeCount, 5, "created, 2 images, 1 merge, 1 finish")
    }

    func testOptionalFieldsStayNilAndPidDefaultsToThisProcess() throws {
        let store = try makeStore()
        let created = try store.createRender(label: "Command", renderer: "CommandRenderer", scene: "s")
        let snapshot = try XCTUnwrap(store.snapshot(id: created.id))
        XCTAssertEqual(snapshot, created)
        XCTAssertNil(snapshot.endedAt)
        XCTAssertNil(snapshot.logPath)
        XCTAssertNil(snapshot.workDir)
        XCTAssertNil(snapshot.error)
        XCTAssertEqual(snapshot.options, .object([:]))
        XCTAssertEqual(snapshot.pid, getpid())
        XCTAssertFalse(snapshot.isOrphaned)
        XCTAssertEqual(snapshot.displayState, "rendering")
    }

    func testMetadataMergesKeysAndKeepsIntsApartFromFloats() throws {
        let store = try makeStore()
        let id = try store.createRender(label: "L", renderer: "R", scene: "s").id
        try store.mergeMetadata(id: id, ["percentDone": 10, "totalClockTime": 1.5, "keep": "me"])
        try store.mergeMetadata(id: id, ["percentDone": 20.0, "peakMemory": 123, "gone": nil])
        try store.mergeMetadata(id: id, [:])
        let metadata = try XCTUnwrap(store.snapshot(id: id)).metadata
        XCTAssertEqual(metadata, ["percentDone": .double(20.0), "totalClockTime": 1.5, "keep": "me", "peakMemory": .int(123), "gone": .null])
    }

    func testImageHistoryKeepsEveryUpdateInOrder() throws {
        let store = try makeStore()
        let id = try store.createRender(label: "L", renderer: "R", scene: "s").id
        let paths = ["/a.png", "/b.png", "/a.png", "/a.png", "/c.exr"]
        for path in paths { try store.appendImage(id: id, path: path) }
        let full = try XCTUnwrap(store.snapshot(id: id))
        XCTAssertEqual(full.imagePaths.map(\.path), paths)
        XCTAssertEqual(full.imagePaths.map(\.time), full.imagePaths.map(\.time).sorted())
        XCTAssertEqual(full.latestImage?.path, "/c.exr")
        let latestOnly = try XCTUnwrap(store.snapshot(id: id, fullImageHistory: false))
        XCTAssertEqual(latestOnly.imagePaths.map(\.path), ["/c.exr"])
        XCTAssertEqual(latestOnly.imageCount, 5)
        // Images of another render do not mix in.
        let other = try store.createRender(label: "L", renderer: "R", scene: "t").id
        try store.appendImage(id: other, path: "/other.png")
        XCTAssertEqual(try store.snapshot(id: id)?.imagePaths.map(\.path), paths)
    }

    func testListIsNewestFirstAndFilters() throws {
        let store = try makeStore()
        var ids: [Int64] = []
        for n in 0..<6 { ids.append(try store.createRender(label: "L\(n)", renderer: "R", scene: "s\(n)").id) }
        try store.finish(id: ids[0], state: .finished)
        try store.finish(id: ids[2], state: .finished)
        try store.finish(id: ids[3], state: .stopped)
        try store.finish(id: ids[4], state: .failed, error: .init(message: "x"))
        for n in 0..<3 { try store.appendImage(id: ids[1], path: "/\(n).png") }

        let all = try store.list()
        XCTAssertEqual(all.map(\.id), ids.reversed())
        XCTAssertEqual(all.first { $0.id == ids[1] }?.imagePaths.map(\.path), ["/2.png"], "list carries the latest image")
        XCTAssertEqual(all.first { $0.id == ids[1] }?.imageCount, 3)
        XCTAssertEqual(try store.list(fullImageHistory: true).first { $0.id == ids[1] }?.imagePaths.count, 3)
        XCTAssertEqual(try store.list(limit: 2).map(\.id), [ids[5], ids[4]])
        XCTAssertEqual(try store.list(state: .finished).map(\.id), [ids[2], ids[0]])
        XCTAssertEqual(try store.list(limit: 1, state: .finished).map(\.id), [ids[2]])
        XCTAssertEqual(try store.list(state: .rendering).map(\.id), [ids[5], ids[1]])
        XCTAssertEqual(try store.list(state: .failed).map(\.error?.message), ["x"])
        XCTAssertEqual(try store.list(state: .stopped).map(\.id), [ids[3]])
    }

    func testFinishOnlyEndsARenderOnceAndRefusesRendering() throws {
        let store = try makeStore()
        let id = try store.createRender(label: "L", renderer: "R", scene: "s").id
        XCTAssertEqual(error { try store.finish(id: id, state: .rendering) }?.kind, .invalidArgument)
        XCTAssertTrue(try store.finish(id: id, state: .finished))
        let first = try XCTUnwrap(store.snapshot(id: id))
        XCTAssertFalse(try store.finish(id: id, state: .stopped, error: .init(message: "late stop")))
        let second = try XCTUnwrap(store.snapshot(id: id))
        XCTAssertEqual(second.state, .finished)
        XCTAssertNil(second.error)
        XCTAssertEqual(second.endedAt, first.endedAt)
        // Updates after the end are still recorded (Houdini's final updateImagePath).
        try store.appendImage(id: id, path: "/final.png")
        XCTAssertEqual(try store.snapshot(id: id)?.latestImage?.path, "/final.png")
    }

    func testUnknownIdIsAClearError() throws {
        let store = try makeStore()
        let path = folder + "/gallery.db"
        for body: () throws -> Void in [
            { try store.appendImage(id: 42, path: "/x") },
            { try store.mergeMetadata(id: 42, ["a": 1]) },
            { try store.finish(id: 42, state: .finished) },
            { try store.setPaths(id: 42, logPath: "/l") },
            { _ = try store.makeWorkDir(id: 42) },
        ] {
            let failure = error(body)
            XCTAssertEqual(failure?.kind, .unknownRender)
            XCTAssertEqual(failure?.description, "no render with id 42 in \(path)")
        }
        XCTAssertNil(try store.snapshot(id: 42))
        XCTAssertNil(try store.changeCount(id: 42))
        XCTAssertFalse(try store.remove(id: 42))
    }

    func testChangeCountMovesWithEveryWrite() throws {
        let store = try makeStore()
        let id = try store.createRender(label: "L", renderer: "R", scene: "s").id
        var last = try XCTUnwrap(store.changeCount(id: id))
        let writes: [() throws -> Void] = [
            { try store.appendImage(id: id, path: "/a") },
            { try store.mergeMetadata(id: id, ["percentDone": 1]) },
            { try store.setPaths(id: id, logPath: "/log") },
            { try store.finish(id: id, state: .finished) },
        ]
        for write in writes {
            try write()
            let now = try XCTUnwrap(store.changeCount(id: id))
            XCTAssertGreaterThan(now, last)
            last = now
        }
        XCTAssertEqual(try store.snapshot(id: id)?.changeCount, last)
    }

    func testApplyWritesABatchAndSkipsRemovedRenders() throws {
        let store = try makeStore()
        let a = try store.createRender(label: "A", renderer: "R", scene: "s").id
        let b = try store.createRender(label: "B", renderer: "R", scene: "s").id
        let missing = try store.apply([
            .mergeMetadata(id: a, patch: ["percentDone": 50]),
            .appendImage(id: b, path: "/b.png"),
            .appendImage(id: 999, path: "/nowhere.png"),
            .finish(id: b, state: .finished, error: nil),
        ])
        XCTAssertEqual(missing, [999])
        XCTAssertEqual(try store.snapshot(id: a)?.percentDone, 50)
        XCTAssertEqual(try store.snapshot(id: b)?.state, .finished)
        XCTAssertEqual(try store.snapshot(id: b)?.latestImage?.path, "/b.png")
    }

    func testRemoveDeletesTheRowAndOnlyTheGallerysOwnFolder() throws {
        let store = try makeStore()
        let managed = try store.createRender(label: "L", renderer: "R", scene: "s").id
        let dir = try store.makeWorkDir(id: managed)
        XCTAssertEqual(dir, folder + "/gallery-renders/\(managed)")
        XCTAssertTrue(Environment.isDirectory(dir))
        XCTAssertEqual(try store.snapshot(id: managed)?.workDir, dir)
        _ = FileManager.default.createFile(atPath: dir + "/out.png", contents: Data([1, 2, 3]))

        let ownFolder = folder + "/mine"
        try FileManager.default.createDirectory(atPath: ownFolder, withIntermediateDirectories: true)
        let unmanaged = try store.createRender(label: "L", renderer: "R", scene: "s", workDir: ownFolder).id
        try store.appendImage(id: unmanaged, path: ownFolder + "/x.png")
        try store.mergeMetadata(id: unmanaged, ["a": 1])

        XCTAssertTrue(try store.remove(id: managed))
        XCTAssertFalse(Environment.fileExists(dir))
        XCTAssertTrue(try store.remove(id: unmanaged))
        XCTAssertTrue(Environment.isDirectory(ownFolder), "a folder the gallery did not make is kept")
        XCTAssertNil(try store.snapshot(id: unmanaged))
        XCTAssertFalse(try store.remove(id: unmanaged))
        XCTAssertEqual(try store.list().count, 0)
        // Ids are never reused, even after the newest was removed.
        XCTAssertGreaterThan(try store.createRender(label: "L", renderer: "R", scene: "s").id, unmanaged)
    }

    // MARK: Concurrency

    func testTwoStoresWritingFromTwoThreadsAtOnceAllSucceed() throws {
        let path = folder + "/shared.db"
        let stores = [try GalleryStore(path: path), try GalleryStore(path: path)]
        let writesPerThread = 300
        let failures = GalleryTestBox<[String]>([])
        let ids = GalleryTestBox<[Int: Int64]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            let store = stores[thread]
            do {
                let id = try store.createRender(label: "T\(thread)", renderer: "R", scene: "s").id
                ids.update { $0[thread] = id }
                for n in 0..<writesPerThread {
                    switch n % 3 {
                    case 0: try store.appendImage(id: id, path: "/\(thread)/\(n).png")
                    case 1: try store.mergeMetadata(id: id, ["n\(n)": .int(Int64(n)), "percentDone": .int(Int64(n))])
                    default: _ = try store.createRender(label: "extra\(thread)", renderer: "R", scene: "\(n)")
                    }
                }
            } catch {
                failures.update { $0.append("thread \(thread): \(error)") }
            }
        }
        XCTAssertEqual(failures.value, [])
        let reader = try GalleryStore(path: path)
        for thread in 0..<2 {
            let snapshot = try XCTUnwrap(reader.snapshot(id: XCTUnwrap(ids.value[thread])))
            let expectedImages = (0..<writesPerThread).filter { $0 % 3 == 0 }.map { "/\(thread)/\($0).png" }
            XCTAssertEqual(snapshot.imagePaths.map(\.path), expectedImages)
            XCTAssertEqual(snapshot.metadata.count, (0..<writesPerThread).filter { $0 % 3 == 1 }.count + 1)
            XCTAssertEqual(try reader.list().filter { $0.label == "extra\(thread)" }.count, writesPerThread / 3)
        }
        XCTAssertEqual(try reader.list().count, 2 + 2 * (writesPerThread / 3))
    }

    func testManyStoresCreatingTheSameNewFileAtOnceAllSucceed() throws {
        for round in 0..<5 {
            let path = folder + "/new-\(round).db"
            let failures = GalleryTestBox<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { n in
                do {
                    let store = try GalleryStore(path: path)
                    _ = try store.createRender(label: "opener \(n)", renderer: "R", scene: "s")
                } catch {
                    failures.update { $0.append("opener \(n): \(error)") }
                }
            }
            XCTAssertEqual(failures.value, [])
            XCTAssertEqual(try GalleryStore(path: path).list().count, 8)
        }
    }

    func testAWriterBlockedBeyondTheTimeoutGetsALockedError() throws {
        let path = folder + "/busy.db"
        let holder = try GalleryStore(path: path)
        let waiter = try GalleryStore(path: path, busyTimeout: 0.2)
        let id = try holder.createRender(label: "L", renderer: "R", scene: "s").id
        let holding = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? holder.write { _ in
                holding.signal()
                Thread.sleep(forTimeInterval: 1.5)
            }
            done.signal()
        }
        holding.wait()
        let started = Date()
        let failure = error { try waiter.appendImage(id: id, path: "/x.png") }
        XCTAssertEqual(failure?.kind, .locked)
        XCTAssertEqual(failure?.description, "the gallery database \(path) is locked by another process")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.4, "gave up after its own timeout")
        // Reading is never blocked by a writer (WAL).
        XCTAssertEqual(try waiter.snapshot(id: id)?.imageCount, 0)
        done.wait()
        try waiter.appendImage(id: id, path: "/x.png")
        XCTAssertEqual(try holder.snapshot(id: id)?.imageCount, 1)
    }

    // MARK: Bad files

    func testANonDatabaseFileIsRefusedAndLeftAlone() throws {
        let path = folder + "/notes.txt"
        let contents = Data("these are not the renders you are looking for\n".utf8)
        _ = FileManager.default.createFile(atPath: path, contents: contents)
        let failure = error { _ = try GalleryStore(path: path) }
        XCTAssertEqual(failure?.kind, .notADatabase)
        XCTAssertEqual(failure?.description, "\(path) is not an rscript gallery database")
        XCTAssertEqual(FileManager.default.contents(atPath: path), contents)
        XCTAssertEqual(error { _ = try GalleryStore(path: path, readOnly: true) }?.kind, .notADatabase)
        XCTAssertEqual(error { _ = try GalleryStore(path: folder) }?.kind, .notADatabase, "a folder")
    }

    func testAnotherProgramsSQLiteDatabaseIsRefused() throws {
        let path = folder + "/other.db"
        do { _ = try GalleryStore(path: path) }
        try Self.patchHeader(path) { header in
            header.replaceSubrange(68..<72, with: [0x12, 0x34, 0x56, 0x78])  // application_id
        }
        XCTAssertEqual(error { _ = try GalleryStore(path: path) }?.kind, .notADatabase, "WAL-mode, foreign id")
        // A rollback-journal database of another program is refused before SQLite opens it.
        try Self.patchHeader(path) { header in header[18] = 1; header[19] = 1 }
        let before = FileManager.default.contents(atPath: path)
        XCTAssertEqual(error { _ = try GalleryStore(path: path) }?.kind, .notADatabase)
        XCTAssertEqual(FileManager.default.contents(atPath: path), before, "the file is not touched")
    }

    func testANewerSchemaIsRefused() throws {
        let path = folder + "/newer.db"
        do { _ = try GalleryStore(path: path) }
        try Self.patchHeader(path) { header in header.replaceSubrange(60..<64, with: [0, 0, 0, 99]) }  // user_version
        let failure = error { _ = try GalleryStore(path: path) }
        XCTAssertEqual(failure?.kind, .newerSchema)
        XCTAssertTrue(failure?.description.contains("was made by a newer rscript (schema 99") ?? false, failure?.description ?? "")
    }

    func testAFolderThatCannotBeCreatedIsAClearError() throws {
        let file = folder + "/plain-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let failure = error { _ = try GalleryStore(path: file + "/sub/gallery.db") }
        XCTAssertEqual(failure?.kind, .notWritable)
        XCTAssertEqual(failure?.description, "cannot create the gallery folder \(file)/sub: Not a directory")
    }

    func testAnUnwritableFolderOrFileIsAClearError() throws {
        guard getuid() != 0 else { throw XCTSkip("root writes anywhere; the end-to-end test covers this as nobody") }
        let path = folder + "/ro/gallery.db"
        do {
            let store = try GalleryStore(path: path)
            _ = try store.createRender(label: "L", renderer: "R", scene: "s")
        }
        chmod(folder + "/ro", 0o555)
        defer { chmod(folder + "/ro", 0o755) }
        let failure = error { _ = try GalleryStore(path: folder + "/ro/new.db") }
        XCTAssertEqual(failure?.kind, .notWritable)
        XCTAssertEqual(failure?.description, "cannot write the gallery database \(folder!)/ro/new.db: Permission denied")
        XCTAssertFalse(Environment.fileExists(folder + "/ro/new.db"))
        chmod(path, 0o444)
        defer { chmod(path, 0o644) }
        let existing = error {
            let store = try GalleryStore(path: path)
            _ = try store.createRender(label: "L", renderer: "R", scene: "s")
        }
        XCTAssertEqual(existing?.kind, .notWritable)
        XCTAssertEqual(existing?.description, "cannot write the gallery database \(path): Permission denied")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .isoLatin1).prefix(15), "SQLite format 3")
    }

    func testReadOnlyStoreReadsAndRefusesWrites() throws {
        let path = folder + "/gallery.db"
        XCTAssertEqual(error { _ = try GalleryStore(path: path, readOnly: true) }?.kind, .missing)
        let writer = try GalleryStore(path: path)
        let id = try writer.createRender(label: "L", renderer: "R", scene: "s").id
        let reader = try GalleryStore(path: path, readOnly: true)
        XCTAssertTrue(reader.isReadOnly)
        XCTAssertEqual(try reader.list().map(\.id), [id])
        let failure = error { try reader.appendImage(id: id, path: "/x") }
        XCTAssertEqual(failure?.kind, .notWritable)
        XCTAssertEqual(failure?.description, "cannot write the gallery database \(path): opened read-only")
        try writer.appendImage(id: id, path: "/y")
        XCTAssertEqual(try reader.snapshot(id: id)?.latestImage?.path, "/y", "a reader sees new writes")
    }

    // MARK: Default path

    func testDefaultPathFollowsTheEnvironment() throws {
        let saved = ["RSCRIPT_DB", "XDG_DATA_HOME", "HOME"].map { ($0, Environment.get($0)) }
        defer {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        setenv("RSCRIPT_DB", "/somewhere/my.db", 1)
        XCTAssertEqual(GalleryStore.defaultPath(), "/somewhere/my.db")
        unsetenv("RSCRIPT_DB")
        setenv("XDG_DATA_HOME", folder + "/xdg", 1)
        XCTAssertEqual(GalleryStore.defaultPath(), folder + "/xdg/rscript/rscript.db")
        XCTAssertTrue(Environment.isDirectory(folder + "/xdg/rscript"), "the folder is created")
        unsetenv("XDG_DATA_HOME")
        setenv("HOME", folder + "/home", 1)
        XCTAssertEqual(GalleryStore.defaultPath(), folder + "/home/.local/share/rscript/rscript.db")
        XCTAssertTrue(Environment.isDirectory(folder + "/home/.local/share/rscript"))
    }

    // MARK: Helpers

    /// Rewrites the first 100 bytes (the SQLite header) of a closed database file.
    static func patchHeader(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"), "the store was closed and checkpointed")
        var header = Array(data.prefix(100))
        change(&header)
        data.replaceSubrange(0..<100, with: header)
        try data.write(to: URL(fileURLWithPath: path))
    }
}

/// A value shared between threads in a test.
final class GalleryTestBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func update(_ body: (inout Value) -> Void) { lock.lock(); body(&stored); lock.unlock() }
}
