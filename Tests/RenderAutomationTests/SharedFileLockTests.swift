import Foundation
import RenderAutomation
import XCTest

/// Several stores on one database file in one process (a runtime that renders and runs jobs;
/// `rscript serve`) must keep SQLite's locks: opening a second store once closed a descriptor of
/// the file, which dropped the process's POSIX locks, so another process's last connection
/// deleted the WAL this process was still committing into, and its writes were lost to everyone else.
final class SharedFileLockTests: XCTestCase {
    func testWritesOfAProcessWithTwoStoresOnAFileReachOtherProcesses() throws {
        let folder = NSTemporaryDirectory() + "rscript-locks-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/gallery.db"
        let gallery = try GalleryStore(path: path)
        let jobs = try JobStore(path: path)  // the second store: it used to drop the first one's locks
        _ = try FrameStore(path: path)
        // Another process opens and closes the file: it must see that this one still holds it.
        XCTAssertEqual(try sqlite(path, "SELECT COUNT(*) FROM renders"), "0")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "-wal"), "the WAL this process uses is still there")
        let render = try gallery.createRender(label: "shot", renderer: "POV-Ray", scene: "a.pov")
        _ = try jobs.insert(JobStore.NewJob(name: "bake", script: "bake.lua"), owner: nil)
        XCTAssertEqual(try sqlite(path, "SELECT label FROM renders WHERE id = \(render.id)"), "shot", "another process sees the write")
        XCTAssertEqual(try sqlite(path, "SELECT name FROM jobs"), "bake")
    }

    private func sqlite(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
