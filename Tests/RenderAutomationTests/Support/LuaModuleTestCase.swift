import LuaBridge
import RenderAutomation
import XCTest

/// The harness of the tests of rscript's Lua libraries: a fresh runtime per test that finds
/// `scripts/lib` of this checkout, and `run` / `expectError` for Lua snippets that check
/// themselves. A subclass gives its `prelude` (kept on the first line, so that line numbers in
/// messages are those of the snippets) and, if it needs them, the `scriptArguments` the
/// snippets get as `...`.
class LuaModuleTestCase: XCTestCase {
    var runtime: ScriptRuntime!

    /// Lua put before every snippet.
    class var prelude: String { "" }

    /// The snippets' `...`.
    var scriptArguments: [String] { [] }

    static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)  // Tests/RenderAutomationTests/Support/<file>
        return parts.joined(separator: "/")
    }()

    override func setUpWithError() throws {
        var options = RuntimeOptions()
        options.libraryDirectory = Self.repositoryRoot + "/scripts/lib"
        runtime = try ScriptRuntime(options: options)
    }

    override func tearDown() { runtime = nil }

    private func outcome(of code: String) -> ScriptRuntime.Outcome {
        runtime.runSource(Array((Self.prelude + code).utf8), chunkName: "=test", arguments: scriptArguments)
    }

    /// Runs `code` after the prelude and fails the test if it raises.
    func run(_ code: String, file: StaticString = #filePath, line: UInt = #line) {
        let outcome = outcome(of: code)
        if case .failure(let error) = outcome { XCTFail("Lua failed: \(error)", file: file, line: line) }
        XCTAssertEqual(outcome, .success, file: file, line: line)
    }

    /// Runs `code` and checks it raises an error whose message contains `expected`.
    func expectError(_ code: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case .failure(let error) = outcome(of: code) else {
            return XCTFail("expected an error containing \(expected), got success", file: file, line: line)
        }
        XCTAssertTrue(error.message.contains(expected), "\(error.message) does not contain \(expected)", file: file, line: line)
    }
}
