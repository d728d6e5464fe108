import Foundation
import RScriptTesting
import XCTest

#if canImport(Glibc)
@preconcurrency import Glibc  // `environ`, for posix_spawn
#endif

/// `rscript repl` on the real binary: under a real pty (a detached tmux session) for the
/// terminal behaviour (libedit editing, completion, history, Ctrl-C, Ctrl-D), and with piped
/// standard input for the plain mode.
final class ReplTests: XCTestCase {
    private var tmux: TmuxSession?

    override func tearDown() {
        tmux?.killServer()
        tmux = nil
        super.tearDown()
    }

    /// Starts `rscript repl` in a fresh tmux server, with its history file and HOME in a
    /// temporary folder, and waits for the first prompt.
    private func startRepl(file: StaticString = #filePath, line: UInt = #line) throws -> TmuxSession {
        let session = try TmuxSession.start(binary: RScriptBinary.path)
        tmux = session
        try session.waitForPrompt(file: file, line: line)
        return session
    }

    func testExpressionValueIsPrinted() throws {
        let repl = try startRepl()
        try repl.enter("x = 40 + 2")
        try repl.enter("x * 10")
        try repl.waitFor { $0.lines.contains("420") }
        try repl.enter("'a', 1, nil")
        // values are separated by tabs, which the pane shows as spaces
        try repl.waitFor { $0.lines.contains { $0.split(separator: " ") == ["a", "1", "nil"] } }
        try repl.enter("=2^10")
        try repl.waitFor { $0.lines.contains("1024.0") }
    }

    func testMultiLineFunctionDefinition() throws {
        let repl = try startRepl()
        try repl.enter("function square(n)")
        try repl.waitFor { $0.lastLine == ">>" }
        try repl.enter("  return n * n")
        try repl.enter("end")
        try repl.enter("square(12)")
        try repl.waitFor { $0.lines.contains("144") }
        XCTAssertTrue(repl.screen.lines.contains(">>   return n * n"), repl.screen.text)
    }

    func testErrorIsShownAndTheReplGoesOn() throws {
        let repl = try startRepl()
        try repl.enter("error('boom')")
        try repl.waitFor { $0.lines.contains("stdin:1: boom") }
        try repl.waitFor { $0.text.contains("stack traceback:") && $0.text.contains("in main chunk") }
        try repl.enter("x = = 1")
        try repl.waitFor { $0.lines.contains("stdin:1: unexpected symbol near '='") }
        try repl.enter("print('still ' .. 'alive')")
        try repl.waitFor { $0.lines.contains("still alive") }
    }

    func testTabCompletesTableFields() throws {
        let repl = try startRepl()
        try repl.typeAtPrompt("string.fo")
        repl.press("Tab")
        try repl.waitFor { $0.lastLine.hasPrefix("> string.format") }
        repl.typeWithoutWaiting("'%d', 7)")
        repl.press("Enter")
        try repl.waitFor { $0.lines.contains("7") }
        // an ambiguous prefix lists the candidates on a second Tab
        try repl.typeAtPrompt("os.")
        repl.press("Tab", "Tab")
        try repl.waitFor { $0.text.contains("os.clock") && $0.text.contains("os.time") }
        repl.press("C-u")
        // methods after ':' (a string's come from its metatable's __index)
        try repl.enter("s = 'abc'")
        try repl.typeAtPrompt("s:up")
        repl.press("Tab")
        try repl.waitFor { $0.lastLine.hasPrefix("> s:upper(") }
        repl.press("C-u")
        // completion reads raw: an __index function is never called
        try repl.enter("trap = setmetatable({ field = 1 }, { __index = function() print('TRAP' .. ' RAN') end })")
        try repl.typeAtPrompt("trap.fi")
        repl.press("Tab")
        try repl.waitFor { $0.lastLine.hasPrefix("> trap.field") }
        repl.press("C-u")
        try repl.typeAtPrompt("trap.missing.")
        repl.press("Tab", "Tab", "C-u")
        try repl.enter("print('done ' .. 'completing')")
        try repl.waitFor { $0.lines.contains("done completing") }
        XCTAssertFalse(repl.screen.text.contains("TRAP RAN"), repl.screen.text)
    }

    func testUpArrowRecallsHistory() throws {
        let repl = try startRepl()
        try repl.enter("print('hist' .. 'ory')")
        try repl.waitFor { $0.lines.filter { $0 == "history" }.count == 1 }
        try repl.waitForPrompt()
        repl.press("Up")
        try repl.waitFor { $0.lastLine == "> print('hist' .. 'ory')" }
        repl.press("Enter")
        try repl.waitFor { $0.lines.filter { $0 == "history" }.count == 2 }
    }

    func testHelpCommand() throws {
        let repl = try startRepl()
        try repl.enter(":help")
        try repl.waitFor { $0.text.contains(":quit") && $0.text.contains(":help") }
    }

    func testCtrlDExitsAndSavesHistory() throws {
        let repl = try startRepl()
        try repl.enter("saved = 1")
        // At the prompt: typed while a chunk runs, Ctrl-D would reach the tty in cooked mode,
        // where it is an end-of-file mark rather than a key, and libedit would never see it.
        try repl.waitForPrompt()
        repl.press("C-d")
        try repl.waitFor { $0.lines.contains { $0.hasPrefix("[exited") } }
        XCTAssertTrue(repl.screen.lines.contains("[exited 0]"), repl.screen.text)
        let history = try String(contentsOfFile: repl.historyFile, encoding: .utf8)
        XCTAssertTrue(history.contains("saved"), history)
    }

    func testCtrlCClearsTheLineAndInterruptsAChunk() throws {
        let repl = try startRepl()
        try repl.typeAtPrompt("this is not Lua")
        repl.press("C-c")
        try repl.enter("print('after' .. ' ctrl-c')")
        try repl.waitFor { $0.lines.contains("after ctrl-c") }
        XCTAssertFalse(repl.screen.text.contains("stdin:1:"), "the cleared line must not run:\n\(repl.screen.text)")

        try repl.enter("print('looping') while true do end")
        try repl.waitFor { $0.lines.contains("looping") }
        repl.press("C-c")
        try repl.waitFor { $0.text.contains("stdin:1: interrupted") }
        try repl.enter("print('alive ' .. 'again')")
        try repl.waitFor { $0.lines.contains("alive again") }
    }

    func testChunksMayWait() throws {
        let repl = try startRepl()
        try repl.enter("time = require('rscript.time')")
        try repl.enter("t0 = time.monotonic() time.sleep(0.2) print('slept ' .. tostring(time.monotonic() - t0 >= 0.2))")
        try repl.waitFor { $0.lines.contains("slept true") }
    }

    // MARK: Piped standard input (no tmux)

    func testPipedInputPrintsOnlyResults() throws {
        let result = try RScriptBinary.run(["repl"], stdin: """
            print(1 + 1)
            x = 10
            x * 2
            function twice(n)
              return 2 * n
            end
            twice(21)
            error("piped boom")
            require("rscript.time").sleep(0.05) return "waited"
            print(x)

            """, environment: ["RSCRIPT_HISTORY": ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "2\n20\n42\nwaited\n10\n")
        XCTAssertTrue(result.stderr.hasPrefix("stdin:1: piped boom\nstack traceback:\n"), result.stderr)
    }

    func testTablesPrintReadably() throws {
        let result = try RScriptBinary.run(["repl"], stdin: """
            {3, 2, {1}, b = "x", a = {deep = {deeper = {deepest = 1}}}}
            =1, {}
            t = {} t.self = t return t
            setmetatable({}, {__tostring = function() return "custom" end})

            """, environment: ["RSCRIPT_HISTORY": ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            { 3, 2, { 1 }, a = { deep = { deeper = {...} } }, b = "x" }
            1	{}
            { self = <cycle> }
            custom

            """)
    }

    func testPipedInputEndingInsideAChunk() throws {
        let result = try RScriptBinary.run(["repl"], stdin: "for i = 1, 3 do\n", environment: ["RSCRIPT_HISTORY": ""])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "stdin:1: 'end' expected near <eof>\n")
    }
}

/// A detached tmux session on its own server socket, running `rscript repl` under a real pty.
private final class TmuxSession {
    let socket: String
    let name = "repl"
    let directory: String
    var historyFile: String { directory + "/history" }

    private init(socket: String, directory: String) {
        self.socket = socket
        self.directory = directory
    }

    static func start(binary: String) throws -> TmuxSession {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TmuxError("the rscript binary is missing at \(binary): build it first (swift build), or set RSCRIPT_BIN")
        }
        guard (try? tmuxOutput(["-V"])) != nil else {
            throw TmuxError("tmux is not installed (Debian: apt-get install tmux); the REPL's pty tests need it")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rscript-repl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let session = TmuxSession(socket: "rscript-test-\(getpid())-\(UUID().uuidString.prefix(8))", directory: directory)
        // The shell waits to show how the REPL ended. It ignores SIGINT: it shares the REPL's
        // process group, so the Ctrl-C the tests send reaches it too (the REPL sets its own
        // handler). HOME keeps ~/.editrc out.
        let command = "trap '' INT; HOME=\(quote(directory)) RSCRIPT_HISTORY=\(quote(session.historyFile)) "
            + "\(quote(binary)) repl; echo \"[exited $?]\"; exec sleep 600"
        try session.tmux([
            "start-server", ";",
            "set-option", "-g", "default-shell", "/bin/sh", ";",  // the command is sh, whatever $SHELL is
            "new-session", "-d", "-s", session.name, "-x", "120", "-y", "40", "-c", directory, command,
        ])
        return session
    }

    /// Types a line as a person would: at an empty prompt, then Enter once it shows. (Keys
    /// typed while a chunk runs reach the tty in cooked mode, which echoes them itself and
    /// garbles the display, as it would for anyone typing ahead.)
    func enter(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try typeAtPrompt(text, file: file, line: line)
        press("Enter")
    }

    /// Waits for an empty prompt, types `text` and waits until the line shows it.
    func typeAtPrompt(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try waitForPrompt(file: file, line: line)
        let prompt = screen.lastLine
        typeWithoutWaiting(text)
        try waitFor(file: file, line: line) { $0.lastLine == prompt + " " + text }
    }

    func typeWithoutWaiting(_ text: String) {
        _ = try? tmux(["send-keys", "-t", name, "-l", text])
    }

    /// Waits until the last line is an empty prompt (`> ` or `>> `): the REPL is reading.
    func waitForPrompt(file: StaticString = #filePath, line: UInt = #line) throws {
        try waitFor(file: file, line: line) { $0.lastLine == ">" || $0.lastLine == ">>" }
    }

    /// Presses keys by tmux name: Enter, Tab, Up, C-c, C-d.
    func press(_ keys: String...) {
        _ = try? tmux(["send-keys", "-t", name] + keys)
    }

    struct Screen {
        let text: String
        /// The pane's lines, trailing spaces removed.
        var lines: [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map {
                String($0.reversed().drop(while: { $0 == " " }).reversed())
            }
        }
        /// The last line that is not empty.
        var lastLine: String { lines.last(where: { !$0.isEmpty }) ?? "" }
    }

    var screen: Screen {
        Screen(text: (try? tmux(["capture-pane", "-p", "-J", "-t", name])) ?? "")
    }

    /// Polls the pane until `condition` holds; fails with the pane's text after `timeout` seconds.
    func waitFor(
        timeout: Double = 10,
        file: StaticString = #filePath,
        line: UInt = #line,
        _ condition: (Screen) -> Bool
    ) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = screen
        while !condition(last) {
            if Date() > deadline {
                XCTFail("timed out waiting for the REPL; the pane shows:\n\(last.text)", file: file, line: line)
                throw TmuxError("timed out")
            }
            usleep(20_000)
            last = screen
        }
    }

    /// Ends the server and everything in it, and removes the socket (tmux leaves it behind).
    func killServer() {
        let socketPath = (try? tmux(["display-message", "-p", "#{socket_path}"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try? tmux(["kill-server"])
        if let socketPath, !socketPath.isEmpty { unlink(socketPath) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        try Self.tmuxOutput(["-L", socket, "-f", "/dev/null"] + arguments)  // no ~/.tmux.conf
    }

    /// Runs tmux and returns its output.
    ///
    /// Not through `Process`: the tmux server that `new-session` starts keeps every descriptor it
    /// inherits, and `Process` learns of a child's exit from a socket the child holds, so it
    /// would wait for the server too. Here the child gets /dev/null, a file for its output and
    /// nothing else, and `waitpid` waits for the client alone.
    private static func tmuxOutput(_ arguments: [String]) throws -> String {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("rscript-tmux-\(UUID().uuidString)").path
        defer { unlink(outputFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let inherited = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in inherited.compactMap({ Int32($0) }) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)  // one that is already closed is skipped
        }
        let argv = (["tmux"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "tmux", &actions, nil, argv, environ)
        guard spawned == 0 else { throw TmuxError("cannot run tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw TmuxError("tmux \(arguments.joined(separator: " ")) failed with wait status \(status)")
        }
        return (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
    }

    private static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func quote(_ text: String) -> String { Self.quote(text) }
}

private struct TmuxError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
