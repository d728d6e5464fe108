import Foundation
import RenderAutomation
import RScriptTesting
import XCTest

/// `rscript gallery prune` and `RSCRIPT_RETENTION` on the real binary: what ended before the
/// period goes, with rscript's own files; nothing rendering, queued or running ever goes.
final class GalleryPruneTests: XCTestCase {
    var folder: String!
    var db: String { folder + "/gallery.db" }
    let sqlite = "/usr/bin/sqlite3"
    static let day = 86400.0

    override func setUpWithError() throws {
        try XCTSkipIf(!FileManager.default.isExecutableFile(atPath: sqlite), "sqlite3 is not installed")
        folder = NSTemporaryDirectory() + "rscript-prune-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    func gallery(_ arguments: [String], environment: [String: String] = [:]) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["gallery"] + arguments + ["--db", db], environment: environment, timeout: 60)
    }

    @discardableResult
    func sql(_ statement: String) throws -> String {
        let query = Process()
        query.executableURL = URL(fileURLWithPath: sqlite)
        query.arguments = ["-cmd", ".timeout 5000", db, statement]
        let out = Pipe()
        query.standardOutput = out
        try query.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        query.waitUntilExit()
        XCTAssertEqual(query.terminationStatus, 0, statement)
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func ids(_ table: String) throws -> String {
        try sql("SELECT group_concat(id, ',') FROM (SELECT id FROM \(table) ORDER BY id)")
    }

    struct Filled {
        var oldFinished: Int64, oldFailed: Int64, recentFinished: Int64, oldLive: Int64, foreignDir: Int64
        var managedDir: String, foreignFolder: String
        var completedJob: Int64, queuedJob: Int64, activeJob: Int64, completedLog: String
    }

    /// Renders, jobs, pool tasks and frame renders in every state, most of them ended (or, for
    /// the ones still going, last updated) 40 days ago.
    func fill() throws -> Filled {
        let gallery = try GalleryStore(path: db)
        let oldFinished = try gallery.createRender(label: "L", renderer: "R", scene: "/s.pov").id
        let managedDir = try gallery.makeWorkDir(id: oldFinished)
        try "image".write(toFile: managedDir + "/frame.png", atomically: true, encoding: .utf8)
        try gallery.appendImage(id: oldFinished, path: managedDir + "/frame.png")
        try gallery.finish(id: oldFinished, state: .finished)
        let oldFailed = try gallery.createRender(label: "L", renderer: "R", scene: "/s.pov").id
        try gallery.finish(id: oldFailed, state: .failed, error: .init(message: "boom", traceback: nil))
        let recentFinished = try gallery.createRender(label: "L", renderer: "R", scene: "/s.pov").id
        try gallery.finish(id: recentFinished, state: .finished)
        let oldLive = try gallery.createRender(label: "L", renderer: "R", scene: "/s.pov").id
        let foreignDir = try gallery.createRender(label: "L", renderer: "R", scene: "/s.pov").id
        let foreignFolder = folder + "/mine"
        try FileManager.default.createDirectory(atPath: foreignFolder, withIntermediateDirectories: true)
        try gallery.setPaths(id: foreignDir, workDir: foreignFolder)
        try gallery.finish(id: foreignDir, state: .stopped)

        let jobs = try JobStore(path: db)
        let owner = ProcessIdentity.current
        let completed = try jobs.insert(.init(name: "done", script: "return 1"), owner: owner)
        _ = try jobs.claim(id: completed.id, owner: owner)
        _ = try jobs.finish(id: completed.id, owner: owner, state: .completed, result: 1)
        let completedLog = try XCTUnwrap(completed.logPath)
        try "log".write(toFile: completedLog, atomically: true, encoding: .utf8)
        let queued = try jobs.insert(.init(name: "waiting", script: "return 1"), owner: owner)
        let active = try jobs.insert(.init(name: "running", script: "return 1"), owner: owner)
        _ = try jobs.claim(id: active.id, owner: owner)

        _ = try PoolTaskStore(path: db)
        _ = try FrameStore(path: db)
        let now = Date().timeIntervalSince1970
        for (state, ended) in [("finished", true), ("failed", true), ("cancelled", true), ("running", false), ("queued", false)] {
            try sql("""
                INSERT INTO pool_tasks (pool, ownerPid, label, script, arguments, state, createdAt, endedAt, updatedAt)
                VALUES (1, 1, '\(state)', 's.lua', '[]', '\(state)', \(now), \(ended ? "\(now)" : "NULL"), \(now))
                """)
        }
        for state in ["finished", "rendering"] {
            try sql("""
                INSERT INTO frame_renders (label, scene, spec, output, pattern, workers, frames, skipped, state, startedAt, endedAt, updatedAt)
                VALUES ('\(state)', 's', '1-4', '/out', 'f.####.png', 1, 4, 0, '\(state)', \(now), \(state == "finished" ? "\(now)" : "NULL"), \(now));
                INSERT INTO frame_chunks (renderId, first, last, step, attempt, state, endedAt, updatedAt)
                VALUES (last_insert_rowid(), 1, 2, 1, 1, 'done', \(now), \(now));
                INSERT INTO frame_chunks (renderId, first, last, step, attempt, state, updatedAt)
                SELECT renderId, 3, 4, 1, 1, '\(state == "finished" ? "done" : "queued")', \(now) FROM frame_chunks ORDER BY id DESC LIMIT 1;
                """)
        }
        // Back-date everything by 40 days, except the recent render.
        let shift = 40 * Self.day
        for table in ["renders", "jobs", "pool_tasks", "frame_renders", "frame_chunks"] {
            let except = table == "renders" ? " WHERE id != \(recentFinished)" : ""
            try sql("UPDATE \(table) SET endedAt = endedAt - \(shift), updatedAt = updatedAt - \(shift)\(except)")
        }
        try sql("UPDATE renders SET endedAt = endedAt - \(10 * Self.day) WHERE id = \(recentFinished)")
        return Filled(oldFinished: oldFinished, oldFailed: oldFailed, recentFinished: recentFinished, oldLive: oldLive,
                      foreignDir: foreignDir, managedDir: managedDir, foreignFolder: foreignFolder,
                      completedJob: completed.id, queuedJob: queued.id, activeJob: active.id, completedLog: completedLog)
    }

    func testPruneRemovesWhatEndedBeforeThePeriodAndKeepsEverythingElse() throws {
        let f = try fill()
        let before = try ["renders", "jobs", "pool_tasks", "frame_renders", "frame_chunks"].map(ids)

        let dry = try gallery(["prune", "--older-than", "30d", "--dry-run", "--json"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        let planned = try JSONValue(jsonText: dry.stdout)
        XCTAssertEqual(planned["dryRun"], true)
        XCTAssertEqual(planned["renders"], .array([.int(f.oldFinished), .int(f.oldFailed), .int(f.foreignDir)]))
        XCTAssertEqual(try ["renders", "jobs", "pool_tasks", "frame_renders", "frame_chunks"].map(ids), before, "a dry run changes nothing")
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.managedDir + "/frame.png"))

        let result = try gallery(["prune", "--older-than", "30d", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONValue(jsonText: result.stdout)
        XCTAssertEqual(report["dryRun"], false)
        XCTAssertEqual(report["renders"], planned["renders"], "the dry run said what would go")
        XCTAssertEqual(report["jobs"], .array([.int(f.completedJob)]))
        XCTAssertEqual(report["poolTasks"], 3)
        XCTAssertEqual(report["frameRenders"]?.arrayCount, 1)
        XCTAssertEqual(report["frameChunks"], 2)
        XCTAssertEqual(report["files"], .array([.string(f.managedDir), .string(f.completedLog)]))

        XCTAssertEqual(try ids("renders"), "\(f.recentFinished),\(f.oldLive)", "the recent and the rendering renders stay")
        XCTAssertEqual(try sql("SELECT COUNT(*) FROM render_images"), "0", "the images' rows went with their render")
        XCTAssertEqual(try ids("jobs"), "\(f.queuedJob),\(f.activeJob)", "queued and active jobs stay, however old")
        XCTAssertEqual(try sql("SELECT group_concat(state, ',') FROM (SELECT state FROM pool_tasks ORDER BY id)"), "running,queued")
        XCTAssertEqual(try sql("SELECT state FROM frame_renders"), "rendering")
        XCTAssertEqual(try sql("SELECT group_concat(state, ',') FROM (SELECT state FROM frame_chunks ORDER BY id)"), "done,queued",
                       "a frame render still rendering keeps all its chunks")
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.managedDir), "the gallery's own folder went")
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.completedLog), "the job's log went")
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.foreignFolder), "a folder the gallery did not make stays")

        let again = try gallery(["prune", "--older-than", "30d"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout, "nothing ended more than 30d ago in \(db)\n")
    }

    func testAShorterPeriodTakesTheRecentRenderButNeverWhatIsRunning() throws {
        let f = try fill()
        let result = try gallery(["prune", "--older-than", "0s"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("removed 4 render(s), 1 job(s), 3 pool task(s), 1 frame render(s) with 2 chunk(s)"), result.stdout)
        XCTAssertEqual(try ids("renders"), "\(f.oldLive)")
        XCTAssertEqual(try ids("jobs"), "\(f.queuedJob),\(f.activeJob)")
    }

    func testRetentionSettingIsAppliedWhenTheDatabaseIsOpened() throws {
        let f = try fill()
        let list = try gallery(["list", "--json"], environment: ["RSCRIPT_RETENTION": "30d"])
        XCTAssertEqual(list.status, 0, list.stderr)
        guard case .array(let renders) = try JSONValue(jsonText: list.stdout) else { return XCTFail(list.stdout) }
        XCTAssertEqual(renders.compactMap { $0["id"] }.sorted { "\($0)" < "\($1)" },
                       [.int(f.recentFinished), .int(f.oldLive)].sorted { "\($0)" < "\($1)" })
        XCTAssertEqual(try ids("jobs"), "\(f.queuedJob),\(f.activeJob)")
        let prune = try gallery(["prune"], environment: ["RSCRIPT_RETENTION": "30d"])
        XCTAssertEqual(prune.stdout, "nothing ended more than 30d ago in \(db)\n", prune.stderr)
    }

    func testBadPeriodsAndAMissingPeriodAreErrors() throws {
        _ = try fill()
        let noUnit = try gallery(["prune", "--older-than", "30"])
        XCTAssertNotEqual(noUnit.status, 0)
        XCTAssertTrue(noUnit.stderr.contains("--older-than 30 is not a period"), noUnit.stderr)
        let none = try gallery(["prune"])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("give --older-than PERIOD"), none.stderr)
        let badSetting = try gallery(["prune"], environment: ["RSCRIPT_RETENTION": "soon"])
        XCTAssertEqual(badSetting.status, 1)
        XCTAssertTrue(badSetting.stderr.contains("RSCRIPT_RETENTION=soon is not a retention period"), badSetting.stderr)
        XCTAssertEqual(try sql("SELECT COUNT(*) FROM renders"), "5", "nothing was removed")
        let help = try RScriptBinary.run(["gallery", "prune", "--help"], timeout: 30)
        XCTAssertTrue(help.stdout.contains("--older-than") && help.stdout.contains("--dry-run") && help.stdout.contains("RSCRIPT_RETENTION"), help.stdout)
    }
}
