import Foundation
import RScriptTesting
import XCTest

/// `rscript run FILE ARGS...` skips ArgumentParser (`RScript.main`, for start-up); `run -- FILE
/// ARGS...` takes the parsed path (`Commands/Run.swift`). Both must behave the same: output,
/// exit status, error messages, the environment they read. Anything with a flag before the
/// file still goes to ArgumentParser.
final class RunFastPathTests: XCTestCase {
    /// Runs `arguments` both ways (after `run`, and after `run --`) and checks they agree.
    @discardableResult
    private func bothPaths(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                           directory: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> RScriptBinary.Result {
        let fast = try RScriptBinary.run(["run"] + arguments, stdin: stdin, environment: environment, directory: directory)
        let parsed = try RScriptBinary.run(["run", "--"] + arguments, stdin: stdin, environment: environment, directory: directory)
        XCTAssertEqual(fast.status, parsed.status, "exit status of \(arguments)", file: file, line: line)
        XCTAssertEqual(fast.stdout, parsed.stdout, "standard output of \(arguments)", file: file, line: line)
        XCTAssertEqual(fast.stderr, parsed.stderr, "standard error of \(arguments)", file: file, line: line)
        return fast
    }

    func testArgumentsExitStatusAndErrorsAgree() throws {
        let script = try RScriptBinary.temporaryScript("""
            print(arg[-1] ~= nil, arg[0]:match("[^/]+$"), #arg, select("#", ...), ...)
            if arg[1] == "fail" then error("asked to fail") end
            if arg[1] == "status" then require("rscript").setExitStatus(tonumber(arg[2])) end
            """)
        let dir = (script as NSString).deletingLastPathComponent
        let ok = try bothPaths([script, "a", "--b", "-c", "--", ""])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "true\tscript.lua\t5\t5\ta\t--b\t-c\t--\t\n")
        let failed = try bothPaths(["script.lua", "fail"], directory: dir)
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.hasPrefix("rscript: script.lua:2: asked to fail\n"), failed.stderr)
        XCTAssertEqual(try bothPaths([script, "status", "3"]).status, 3)

        let missing = try bothPaths(["/nonexistent/x.lua", "a"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "rscript: cannot open /nonexistent/x.lua: No such file or directory\n")
        let syntax = try RScriptBinary.temporaryScript("local = 1\n", name: "bad.lua")
        let bad = try bothPaths(["bad.lua"], directory: (syntax as NSString).deletingLastPathComponent)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("rscript: bad.lua:1:"), bad.stderr)
    }

    func testStandardInputAndTheEnvironmentAgree() throws {
        let stdin = try bothPaths(["-", "x"], stdin: "print('stdin', arg[0], arg[1], ...)")
        XCTAssertEqual(stdin.stdout, "stdin\tstdin\tx\tx\n", stdin.stderr)
        let script = try RScriptBinary.temporaryScript("print(require('extra').value, require('rscript.log') ~= nil)")
        let lib = (script as NSString).deletingLastPathComponent + "/lib"
        try FileManager.default.createDirectory(atPath: lib, withIntermediateDirectories: true)
        try "return { value = 'from RSCRIPT_PATH' }".write(toFile: lib + "/extra.lua", atomically: true, encoding: .utf8)
        let found = try bothPaths([script], environment: ["RSCRIPT_PATH": lib])
        XCTAssertEqual(found.stdout, "from RSCRIPT_PATH\ttrue\n", found.stderr)
    }

    func testFlagsAndMistakesStillGoToArgumentParser() throws {
        let help = try RScriptBinary.run(["run", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("USAGE: rscript run <FILE>"), help.stdout)
        let noFile = try RScriptBinary.run(["run"])
        XCTAssertEqual(noFile.status, 64, "ArgumentParser's usage error")
        XCTAssertTrue(noFile.stderr.contains("Missing expected argument '<FILE>'"), noFile.stderr)
        // A flag after the file is the script's, on both paths (as with lua5.4).
        let script = try RScriptBinary.temporaryScript("print(io ~= nil, ...)")
        let passed = try bothPaths([script, "--safe", "--help"])
        XCTAssertEqual(passed.stdout, "true\t--safe\t--help\n", passed.stderr)
        // The root's flags, before `run`, are parsed: --safe applies.
        let safe = try RScriptBinary.run(["--safe", "run", script])
        XCTAssertEqual(safe.stdout, "false\n", safe.stderr)
    }

    /// `run --safe FILE` and `run --memory-limit MB FILE` (the flags before the file): ArgumentParser
    /// refused them ("Unknown option '--safe'"); the fast path reads them with the same meaning.
    func testRuntimeFlagsBeforeTheFileApply() throws {
        let script = try RScriptBinary.temporaryScript("print(io == nil, os.execute == nil, ...)")
        let safe = try RScriptBinary.run(["run", "--safe", script, "x"])
        XCTAssertEqual(safe.status, 0, safe.stderr)
        XCTAssertEqual(safe.stdout, "true\ttrue\tx\n")
        XCTAssertEqual(try RScriptBinary.run(["run", "--memory-limit", "64", "--safe", script]).stdout, "true\ttrue\n")
        XCTAssertEqual(try RScriptBinary.run(["run", "--memory-limit=64", script]).stdout, "false\tfalse\n")
        let hungry = try RScriptBinary.temporaryScript("local t = {} for i = 1, 1e8 do t[i] = i end", name: "hungry.lua")
        let limited = try RScriptBinary.run(["run", "--memory-limit", "16", hungry], timeout: 60)
        XCTAssertEqual(limited.status, 1, "the limit applies: \(limited.stderr)")
        XCTAssertTrue(limited.stderr.contains("memory"), limited.stderr)
        for (value, message) in [("0", "--memory-limit must be a positive number of megabytes, got 0"),
                                 ("lots", "The value 'lots' is invalid for '--memory-limit <MB>'")] {
            let bad = try RScriptBinary.run(["run", "--memory-limit", value, script])
            XCTAssertEqual(bad.status, 64, bad.stderr)
            XCTAssertTrue(bad.stderr.contains(message), bad.stderr)
        }
        XCTAssertEqual(try RScriptBinary.run(["run", "--memory-limit"]).status, 64)
    }
}
