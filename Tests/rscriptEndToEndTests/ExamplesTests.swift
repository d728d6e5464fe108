import Foundation
import RScriptTesting
import XCTest

/// Every script in scripts/examples runs on its own and succeeds.
final class ExamplesTests: XCTestCase {
    func testEveryExampleRuns() throws {
        let dir = RScriptBinary.repositoryRoot + "/scripts/examples"
        let examples = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".lua") }.sorted()
        XCTAssertFalse(examples.isEmpty)
        for example in examples {
            // a database of their own: examples must not touch the user's gallery and queue
            let database = NSTemporaryDirectory() + "rscript-examples-\(UUID().uuidString).db"
            let result = try RScriptBinary.run(["run", dir + "/" + example], environment: ["RSCRIPT_DB": database], directory: NSTemporaryDirectory())
            XCTAssertEqual(result.status, 0, "\(example): \(result.stderr)")
        }
    }
}
