import Foundation
import RScriptTesting
import XCTest

/// `rscript run`, `-e`, `run -`: exit codes, messages and the event loop, on the real binary.
final class RunCommandTests: XCTestCase {
    func testArgTableAndVarargs() throws {
        let script = try RScriptBinary.temporaryScript("""
            print(arg[0]:match("[^/]+$"), #arg, arg[1], arg[2], select("#", ...), ...)
            """)
        let result = try RScriptBinary.run(["run", script, "one", "--two"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "script.lua\t2\tone\t--two\t2\tone\t--two\n")
    }

    func testScriptErrorGivesFileLineAndTracebackAndExitOne() throws {
        let script = try RScriptBinary.temporaryScript("""
            local function inner() error("boom") end
            local function outer() inner() end
            outer()
            """)
        // Lua shortens long chunk names, so run it as users do: by a short relative path
        let result = try RScriptBinary.run(["run", "script.lua"], directory: (script as NSString).deletingLastPathComponent)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("rscript: script.lua:1: boom\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("stack traceback:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("in upvalue 'inner'") || result.stderr.contains("in local 'inner'")
            || result.stderr.contains("in function 'inner'"), result.stderr)
    }

    func testSyntaxErrorNamesFileAndLine() throws {
        let script = try RScriptBinary.temporaryScript("local a = 1\nlocal b = = 2\n")
        let result = try RScriptBinary.run(["run", "script.lua"], directory: (script as NSString).deletingLastPathComponent)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "rscript: script.lua:2: unexpected symbol near '='\n")
    }

    func testMissingFileAndDirectoryAreOneLineErrors() throws {
        let missing = try RScriptBinary.run(["run", "/nonexistent/x.lua"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "rscript: cannot open /nonexistent/x.lua: No such file or directory\n")
        let directory = try RScriptBinary.run(["run", NSTemporaryDirectory()])
        XCTAssertEqual(directory.status, 1)
        XCTAssertTrue(directory.stderr.hasSuffix("it is a directory\n"), directory.stderr)
        XCTAssertEqual(directory.stderr.split(separator: "\n").count, 1)
    }

    func testUnreadableFile() throws {
        guard getuid() != 0 else { throw XCTSkip("root can read any file") }
        let script = try RScriptBinary.temporaryScript("print(1)")
        chmod(script, 0)
        let result = try RScriptBinary.run(["run", script])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("Permission denied"), result.stderr)
    }

    func testArgumentErrorMessage() throws {
        let result = try RScriptBinary.run(["-e", "require('rscript.time').sleep('soon')"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stderr.hasPrefix("rscript: (command line):1: bad argument #1 to 'time.sleep' (number expected, got string)"),
            result.stderr)
    }

    func testExecuteAndStdin() throws {
        let e = try RScriptBinary.run(["-e", "print(6 * 7)"])
        XCTAssertEqual(e.stdout, "42\n")
        XCTAssertEqual(e.status, 0)
        let stdin = try RScriptBinary.run(["run", "-", "a"], stdin: "print('from stdin', arg[1])")
        XCTAssertEqual(stdin.stdout, "from stdin\ta\n")
        XCTAssertEqual(stdin.status, 0)
    }

    func testRuntimeWaitsForPendingTasks() throws {
        let result = try RScriptBinary.run(["-e", """
            local time, task = require('rscript.time'), require('rscript.task')
            task.spawn(function() time.sleep(0.2) print('late') end)
            print('main done')
            """])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "main done\nlate\n")
    }

    func testFailingBackgroundTaskExitsOne() throws {
        let result = try RScriptBinary.run(["-e", """
            require('rscript.task').spawn(function() error('task broke') end)
            """])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("task broke"), result.stderr)
    }

    func testCtrlCRunsStopHooksAndExits130() throws {
        for body in ["require('rscript.time').sleep(30)", "while true do end"] {
            let run = try RScriptBinary.interruptWhenReady(
                ["-e", "require('rscript').onStop(function() print('stop hook ran') end) print('ready') io.stdout:flush() " + body])
            XCTAssertEqual(run.status, 130, body)
            XCTAssertTrue(run.stdout.contains("stop hook ran"), body)
        }
    }

    func testMemoryLimitFlag() throws {
        let result = try RScriptBinary.run(["--memory-limit", "8", "-e", "local t = {} while true do t[#t+1] = ('x'):rep(64) .. #t end"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("memory limit exceeded"), result.stderr)
    }

    func testSafeProfile() throws {
        let result = try RScriptBinary.run(["--safe", "-e", "print(io == nil, os.execute == nil, debug == nil, type(os.time()))"])
        XCTAssertEqual(result.stdout, "true\ttrue\ttrue\tnumber\n", result.stderr)
    }

    func testRequireFindsModuleBesideScriptAndInRscriptPath() throws {
        let script = try RScriptBinary.temporaryScript("print(require('helper').value, require('extra').value)")
        let dir = (script as NSString).deletingLastPathComponent
        try "return { value = 'beside' }".write(toFile: dir + "/helper.lua", atomically: true, encoding: .utf8)
        let other = dir + "/lib"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try "return { value = 'from path' }".write(toFile: other + "/extra.lua", atomically: true, encoding: .utf8)
        let result = try RScriptBinary.run(["run", script], environment: ["RSCRIPT_PATH": other + "/?.lua"])
        XCTAssertEqual(result.stdout, "beside\tfrom path\n", result.stderr)
    }

    func testVersionAndHelp() throws {
        let version = try RScriptBinary.run(["version"])
        XCTAssertTrue(version.stdout.hasPrefix("rscript "), version.stdout)
        XCTAssertTrue(version.stdout.contains("Lua 5.4"), version.stdout)
        for command in [["--help"], ["run", "--help"], ["version", "--help"]] {
            let help = try RScriptBinary.run(command)
            XCTAssertEqual(help.status, 0)
            XCTAssertTrue(help.stdout.contains("USAGE:"), help.stdout)
        }
    }
}
