import LuaBridge
import Logging
import RenderAutomation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `rscript.log`: what reaches stderr, captured by pointing fd 2 at a file during the run.
final class LogModuleTests: XCTestCase {
    static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    private static let prelude = """
        local log = require("rscript.log"); local function eq(a, b) if a ~= b then error(string.format("expected %q, got %q", tostring(b), tostring(a)), 2) end end; 
        """

    private func makeRuntime() throws -> ScriptRuntime {
        var options = RuntimeOptions()
        options.libraryDirectory = Self.repositoryRoot + "/scripts/lib"
        return try ScriptRuntime(options: options)
    }

    /// Runs `code` in `runtime` (a new one if nil) and returns what it wrote to stderr as lines.
    private func run(_ code: String, in runtime: ScriptRuntime? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let runtime = try runtime ?? makeRuntime()
        var outcome: ScriptRuntime.Outcome = .success
        let output = captureStandardError {
            outcome = runtime.runSource(Array((Self.prelude + code).utf8), chunkName: "=test")
        }
        if case .failure(let error) = outcome { XCTFail("Lua failed: \(error)", file: file, line: line) }
        return output.split(separator: "\n").map(String.init)
    }

    private func expectError(_ code: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try makeRuntime().runSource(Array((Self.prelude + code).utf8), chunkName: "=test")
        guard case .failure(let error) = outcome else {
            return XCTFail("expected an error containing \(expected), got \(outcome)", file: file, line: line)
        }
        XCTAssertTrue(error.message.contains(expected), "\(error.message) does not contain \(expected)", file: file, line: line)
    }

    private func captureStandardError(_ body: () -> Void) -> String {
        var template = Array("/tmp/rscript-log-test-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        precondition(fd >= 0, "mkstemp failed")
        unlink(template)
        let saved = dup(2)
        dup2(fd, 2)
        body()
        dup2(saved, 2)
        close(saved)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        lseek(fd, 0, SEEK_SET)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        close(fd)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func assertLine(_ line: String?, _ pattern: String, file: StaticString = #filePath, line number: UInt = #line) throws {
        guard let line else { return XCTFail("no line, expected \(pattern)", file: file, line: number) }
        XCTAssertNotNil(try Regex(pattern).wholeMatch(in: line), "\(line) does not match \(pattern)", file: file, line: number)
    }

    private let stamp = #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"#

    // MARK: Tests

    func testDefaultLevelIsInfoAndLinesAreFormatted() throws {
        unsetenv("RSCRIPT_LOG_LEVEL")
        let lines = try run("""
            eq(log.level(), "info")
            log.debug("not shown")
            log.info("render started", {scene = "forest.blend", frames = 240})
            log.trace("not shown either")
            log.warning("low disk")
            """)
        XCTAssertEqual(lines.count, 2)
        try assertLine(lines.first, stamp + " info rscript: render started frames=240 scene=forest.blend")
        try assertLine(lines.last, stamp + " warning rscript: low disk")
    }

    func testTimestampIsNowInUTC() throws {
        let lines = try run(#"log.info("x")"#)
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        let year = String(parts.tm_year + 1900)
        XCTAssertTrue(lines.first?.hasPrefix(year + "-") ?? false, "\(lines)")
    }

    func testEveryLevelFunctionAndSetLevel() throws {
        let lines = try run("""
            log.setLevel("trace"); eq(log.level(), "trace")
            log.trace("1"); log.debug("2"); log.info("3"); log.notice("4"); log.warning("5"); log.error("6"); log.critical("7")
            log.setLevel("error"); eq(log.level(), "error")
            log.warning("hidden"); log.error("8"); log.critical("9")
            """)
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical", "error", "critical"]
        XCTAssertEqual(lines.count, levels.count, "\(lines)")
        for (k, (line, level)) in zip(lines, levels).enumerated() {
            try assertLine(line, stamp + " \(level) rscript: \(k + 1)")
        }
    }

    func testFieldsAreSortedAndQuoted() throws {
        let lines = try run(#"""
            log.info("done", {z = 1, a = "two words", eq = "a=b", quote = 'say "hi"', empty = "", f = 1.5, whole = 2.0,
                              yes = true, none = null, list = {1, "x"}, obj = {k = "v", n = 3}, nl = "a\nb"})
            log.info("message with spaces stays as is")
            """#)
        XCTAssertEqual(lines.count, 2)
        try assertLine(lines.first, stamp + #" info rscript: done a="two words" empty="" eq="a=b" f=1\.5 list=\[1,x\] nl="a\\nb" none=null obj=\{k=v,n=3\} quote="say \\"hi\\"" whole=2\.0 yes=true z=1"#)
        try assertLine(lines.last, stamp + " info rscript: message with spaces stays as is")
    }

    func testCallsBelowTheLevelDoNotReadTheirFields() throws {
        let lines = try run(#"log.debug("skipped", {f = print}); log.info("seen")"#)
        XCTAssertEqual(lines.count, 1)
        try expectError(#"log.info("x", {f = print})"#, "bad argument #2 to 'log.info' (cannot convert a function to data")
    }

    func testArgumentErrors() throws {
        try expectError(#"log.setLevel("verbose")"#,
                        "bad argument #1 to 'log.setLevel' (invalid level 'verbose'; expected one of trace, debug, info, notice, warning, error, critical)")
        try expectError(#"log.setLevel("INFO")"#, "bad argument #1 to 'log.setLevel' (invalid level 'INFO'")
        try expectError("log.setLevel()", "bad argument #1 to 'log.setLevel' (string expected, got no value)")
        try expectError("log.info({})", "bad argument #1 to 'log.info' (string expected, got table)")
        try expectError(#"log.warning("x", 5)"#, "bad argument #2 to 'log.warning' (table or nil expected, got number)")
    }

    func testEnvironmentSetsTheStartingLevel() throws {
        setenv("RSCRIPT_LOG_LEVEL", "warning", 1)
        defer { unsetenv("RSCRIPT_LOG_LEVEL") }
        let lines = try run(#"eq(log.level(), "warning"); log.info("hidden"); log.warning("shown")"#)
        XCTAssertEqual(lines.count, 1)
        try assertLine(lines.first, stamp + " warning rscript: shown")

        setenv("RSCRIPT_LOG_LEVEL", "loud", 1)
        let reported = try run(#"eq(log.level(), "info")"#)
        XCTAssertEqual(reported, ["rscript: RSCRIPT_LOG_LEVEL: invalid level 'loud' (expected one of trace, debug, info, notice, warning, error, critical); using info"])
    }

    func testEachRuntimeHasItsOwnLevel() throws {
        unsetenv("RSCRIPT_LOG_LEVEL")
        let first = try makeRuntime()
        let second = try makeRuntime()
        _ = try run(#"log.setLevel("critical")"#, in: first)
        let lines = try run(#"eq(log.level(), "info"); log.info("second")"#, in: second)
        XCTAssertEqual(lines.count, 1)
        _ = try run(#"eq(log.level(), "critical")"#, in: first)
    }

    func testSwiftLoggersUseTheSameHandler() throws {
        RScriptLogging.bootstrap()
        RScriptLogging.bootstrap()  // idempotent
        let output = captureStandardError {
            Logger(label: "renderer").notice("frame done", metadata: ["frame": "12"])
        }
        try assertLine(output.split(separator: "\n").first.map(String.init), stamp + " notice renderer: frame done frame=12")
    }

    func testExampleRuns() throws {
        unsetenv("RSCRIPT_LOG_LEVEL")
        let runtime = try makeRuntime()
        var outcome: ScriptRuntime.Outcome = .failure(LuaError(.runtime, "not run"))
        let output = captureStandardError {
            outcome = runtime.runFile(Self.repositoryRoot + "/scripts/examples/log_example.lua", arguments: [])
        }
        XCTAssertEqual(outcome, .success)
        XCTAssertTrue(output.contains(" info rscript: render started frames=240 scene=forest.blend\n"), output)
        XCTAssertTrue(output.contains(" debug rscript: shown now step=upload\n"), output)
    }
}
