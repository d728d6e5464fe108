import Foundation
import RScriptTesting
import XCTest

/// Two `rscript create` processes on one workfile at once: the workfile lock makes the second
/// wait for the first's write, so both instances are in the file afterwards.
final class WorkfileLockTests: XCTestCase {
    var folder = ""
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/creators", withIntermediateDirectories: true)
        // "slow" has read the workfile when its create() runs; it marks that it got there, then
        // waits (up to 3 s) until the other command has got there too. Without a lock both
        // commands meet there, each holding the old file, and the second write drops the first
        // one's instance; with the lock the second command is still waiting for the lock, so the
        // first goes on after the 3 s and the second finds its mark at once.
        try """
            local create = require("rscript.create")
            local pipeline = require("rscript.pipeline")
            local time = require("rscript.time")
            local fs = require("rscript.fs")
            local Slow = create.Creator:extend("SlowCreator")
            Slow.family = "slow"
            Slow.identifier = "slow"
            Slow.default_variants = { "Main" }
            function Slow:create(subset_name, instance_data, pre_create_data)
              fs.write("reached-" .. subset_name, "")
              local other = subset_name == "slowAlpha" and "reached-slowBeta" or "reached-slowAlpha"
              local deadline = time.monotonic() + 3
              while subset_name ~= "slowFirst" and not fs.exists(other) and time.monotonic() < deadline do
                time.sleep(0.05)
              end
              local instance = create.CreatedInstance(self.family, subset_name, instance_data, self)
              pipeline.imprint(instance.id, instance:data_to_store())
              self:_add_instance_to_context(instance)
            end
            function registerCreators(manager) manager:registerCreator(Slow) end
            """.write(toFile: folder + "/creators/slow.lua", atomically: true, encoding: .utf8)
        environment = ["RSCRIPT_PLUGIN_PATH": folder + "/plugins:&", "XDG_CONFIG_HOME": folder + "/config", "TMPDIR": folder]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func create(_ variant: String) throws -> RScriptBinary.Result {
        try Self.create(variant, folder: folder, environment: environment)
    }

    private static func create(_ variant: String, folder: String, environment: [String: String]) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["create", "shot.json", "--creator", "slow", "--variant", variant, "--asset", "sh010",
                               "--task", "lighting", "--creators", folder + "/creators"],
                              environment: environment, directory: folder, timeout: 60)
    }

    private func subsets() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/shot.json"))
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let instances = try XCTUnwrap(doc["instances"] as? [String: [String: Any]])
        return instances.values.compactMap { $0["subset"] as? String }.filter { $0.hasPrefix("slow") }.sorted()
    }

    func testTwoCreatesOnOneWorkfileAtOnceBothLand() throws {
        let first = try create("First")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try subsets(), ["slowFirst"])

        let variants = ["Alpha", "Beta"]
        let results = LockedResults()
        let (folder, environment) = (folder, environment)
        DispatchQueue.concurrentPerform(iterations: variants.count) { i in
            results.set(i, Result { try Self.create(variants[i], folder: folder, environment: environment) })
        }
        for i in variants.indices {
            let result = try results.get(i).get()
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("created slow\(variants[i])"), result.stdout)
        }
        XCTAssertEqual(try subsets(), ["slowAlpha", "slowBeta", "slowFirst"], "every command's instance is in the file")
        let waited = (0..<variants.count).map { (try? results.get($0).get().stderr) ?? "" }
            .filter { $0.contains("rscript: waiting for another rscript to finish with shot.json") }
        XCTAssertEqual(waited.count, 1, "one command waited for the other: \(waited)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/shot.json.lock"))
    }

    func testALockFileThatCannotBeOpenedIsAClearError() throws {
        // A folder where the lock file should be: open(2) fails with EISDIR, even for root.
        try FileManager.default.createDirectory(atPath: folder + "/shot.json.lock", withIntermediateDirectories: true)
        let result = try create("Main")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "rscript: cannot lock the workfile shot.json: shot.json.lock: Is a directory\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/shot.json"), "nothing was written")
    }
}

/// Results of concurrent runs, by index.
private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: Result<RScriptBinary.Result, any Error>] = [:]

    func set(_ i: Int, _ result: Result<RScriptBinary.Result, any Error>) {
        lock.lock()
        defer { lock.unlock() }
        results[i] = result
    }

    func get(_ i: Int) throws -> Result<RScriptBinary.Result, any Error> {
        lock.lock()
        defer { lock.unlock() }
        return try XCTUnwrap(results[i])
    }
}
