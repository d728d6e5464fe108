import Foundation
import RScriptTesting
import XCTest

/// Set-up that cannot be done fails at once, saying what and why: a log folder that cannot be
/// made, a worker whose module search path cannot be set.
final class LoudFailureTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-loud-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func run(_ script: String, environment: [String: String] = [:]) throws -> RScriptBinary.Result {
        try script.write(toFile: folder + "/main.lua", atomically: true, encoding: .utf8)
        var env = ["RSCRIPT_DB": folder + "/gallery.db"]
        for (k, v) in environment { env[k] = v }
        return try RScriptBinary.run(["run", "main.lua"], environment: env, directory: folder, timeout: 60)
    }

    func testAProcessWhoseDefaultLogFolderCannotBeMadeFailsToSpawnSayingWhy() throws {
        // TMPDIR is a plain file, so $TMPDIR/rscript-PID cannot be made (even by root).
        let notAFolder = folder + "/tmp-file"
        XCTAssertTrue(FileManager.default.createFile(atPath: notAFolder, contents: Data()))
        let result = try run("""
            local process = require("rscript.process")
            local ok, err = pcall(process.spawn, { "true" })
            print(ok, err)
            local p = process.spawn{ "true", log = "given.log" }   -- a log the script names still works
            print(p:wait())
            """, environment: ["TMPDIR": notAFolder])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, result.stdout)
        XCTAssertTrue(lines[0].hasPrefix("false\t"), lines[0])
        XCTAssertTrue(lines[0].contains("cannot create the log folder \(notAFolder)/rscript-"), lines[0])
        XCTAssertTrue(lines[0].hasSuffix(": Not a directory"), lines[0])
        XCTAssertEqual(lines[1], "0")
    }

    func testAWorkerWhoseSearchPathCannotBeSetFailsTheTaskSayingWhy() throws {
        try FileManager.default.createDirectory(atPath: folder + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/b", withIntermediateDirectories: true)
        // The first task script breaks `package` in its worker; the second, from another folder,
        // needs the search path set for its folder.
        try "return function(client) package = nil return 'broke' end"
            .write(toFile: folder + "/a/break.lua", atomically: true, encoding: .utf8)
        try "return function(client) return 'ran' end"
            .write(toFile: folder + "/b/next.lua", atomically: true, encoding: .utf8)
        let result = try run("""
            local Pool = require("rscript.pool")
            local pool = Pool.new{ workers = 1, retries = 0 }
            print(pool:apply("a/break.lua", {}))
            local ok, err = pcall(pool.apply, pool, "b/next.lua", {})
            print(ok, (tostring(err):gsub("\\n.*", "")))
            """)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "broke", result.stdout)
        XCTAssertEqual(lines.count, 2, result.stdout)
        XCTAssertTrue(lines[1].hasPrefix("false\t"), lines[1])
        XCTAssertTrue(lines[1].contains("task failed: cannot add b to the module search path: search path:1: "), lines[1])
        XCTAssertTrue(lines[1].contains("package"), "the cause is named: \(lines[1])")
    }

    func testJobOptionsThatCannotBeReadSayWhatCannotBeRead() throws {
        try "print('ran')".write(toFile: folder + "/job.lua", atomically: true, encoding: .utf8)
        let result = try run("""
            local jm = require("rscript.jobmanager").get_instance()
            print(jm:add_job("a", "job.lua", { passed_data = { frames = { 1, 2 }, callback = print } }))
            print(#jm:get_job_names())
            """)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "false\tadd_job: options cannot be read: cannot convert a function to data (at value.passed_data.callback)\n0\n")
    }
}
