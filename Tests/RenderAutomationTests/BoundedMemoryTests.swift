import Foundation
import LuaBridge
import RenderAutomation
import XCTest

/// Memory a script cannot grow without bound: waiting on tasks gives its memory back, and what
/// `fs.read`, `json.decode` and process output hand to Lua counts against `--memory-limit`
/// (`LuaState+MemoryCharge.swift`), refused with the limit's own error, which no `pcall` catches.
final class BoundedMemoryTests: LuaModuleTestCase {
    static let limit = 8 * 1_048_576
    var folder = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        folder = NSTemporaryDirectory() + "rscript-bounded-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    override var scriptArguments: [String] { [folder] }

    /// A runtime with a memory limit of `limit` bytes.
    func limitedRuntime() throws -> ScriptRuntime {
        var options = RuntimeOptions()
        options.libraryDirectory = Self.repositoryRoot + "/scripts/lib"
        options.limits = LuaLimits(memoryBytes: Self.limit)
        return try ScriptRuntime(options: options)
    }

    func outcome(_ runtime: ScriptRuntime, _ code: String) -> ScriptRuntime.Outcome {
        runtime.runSource(Array(code.utf8), chunkName: "=test", arguments: [folder])
    }

    /// Fails unless `outcome` is the memory limit's error.
    func assertMemoryLimit(_ outcome: ScriptRuntime.Outcome, file: StaticString = #filePath, line: UInt = #line) {
        guard case .failure(let error) = outcome else {
            return XCTFail("expected the memory limit, got \(outcome)", file: file, line: line)
        }
        XCTAssertEqual(error.kind, .memoryLimit, error.description, file: file, line: line)
        XCTAssertEqual(error.message, "memory limit exceeded (\(Self.limit) bytes)", file: file, line: line)
    }

    func makeFile(_ name: String, bytes: Int) throws -> String {
        let path = folder + "/" + name
        try Data(repeating: UInt8(ascii: "x"), count: bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: Waiting on tasks

    func testWaitingOnManyTasksKeepsTheHeapFlat() {
        // Each wait used to leave ~1 KB (the finished task's coroutine) until the waiter ended.
        run("""
            local task = require("rscript.task")
            local function settled() collectgarbage() collectgarbage() return collectgarbage("count") end
            for i = 1, 1000 do task.spawn(function() return i end):wait() end
            local before = settled()
            for i = 1, 40000 do
              local ok, v = task.spawn(function() return i end):wait()
              assert(ok and v == i)
            end
            local grown = settled() - before
            assert(grown < 256, string.format("the heap grew by %.0f KB over 40000 waits", grown))
            """)
    }

    // MARK: fs.read

    func testFsReadOfAFileLargerThanTheLimitIsRefusedAndPcallCannotCatchIt() throws {
        _ = try makeFile("big.bin", bytes: 3 * Self.limit)
        let runtime = try limitedRuntime()
        for catcher in ["pcall(fs.read, path)",
                        "xpcall(fs.read, function(e) return e end, path)",
                        "coroutine.resume(coroutine.create(function() return fs.read(path) end))",
                        "pcall(coroutine.wrap(function() return fs.read(path) end))"] {
            assertMemoryLimit(outcome(runtime, """
                local fs = require("rscript.fs"); local path = ... .. "/big.bin"
                local t = {}
                for i = 1, 8 do t[i] = \(catcher) end
                error("the script went on after the refusal")
                """))
        }
        XCTAssertEqual(outcome(runtime, "assert(#require('rscript.fs').list(...) == 1)"), .success, "the state stays usable")
    }

    func testFsReadsThatTheScriptKeepsAreRefusedOnceTheyPassTheLimit() throws {
        _ = try makeFile("one.bin", bytes: 1_048_576)
        let runtime = try limitedRuntime()
        assertMemoryLimit(outcome(runtime, """
            local fs = require("rscript.fs"); local path = ... .. "/one.bin"
            local kept = {}
            for i = 1, 20 do kept[i] = fs.read(path) end
            error("twenty 1 MB strings fitted under 8 MB")
            """))
        // Reads the script drops are garbage: they never add up to a refusal.
        XCTAssertEqual(outcome(runtime, """
            local fs = require("rscript.fs"); local path = ... .. "/one.bin"
            for i = 1, 50 do assert(#fs.read(path) == 1048576) end
            """), .success)
    }

    // MARK: json.decode

    func testJsonDecodeOfAValueLargerThanTheLimitIsRefused() throws {
        let runtime = try limitedRuntime()
        // 1.2 MB of text; a 600,000-item array of tables is far more than 8 MB in Lua.
        assertMemoryLimit(outcome(runtime, """
            local json = require("rscript.json")
            local text = "[" .. string.rep("{},", 600000) .. "{}]"
            local ok, value = pcall(json.decode, text)
            error("decoded: " .. tostring(ok))
            """))
        XCTAssertEqual(outcome(runtime, """
            local json = require("rscript.json")
            local value = json.decode("[" .. string.rep("{},", 1000) .. "{}]")
            assert(#value == 1001)
            """), .success)
    }

    // MARK: Process output

    func testProcessOutputPastTheLimitIsRefusedAndTheLinesStayUnread() throws {
        let runtime = try limitedRuntime()
        // 200 lines of 60,000 bytes: 12 MB, over the 8 MB limit as Lua strings.
        assertMemoryLimit(outcome(runtime, """
            local process = require("rscript.process")
            proc = process.spawn{ "sh", "-c", "i=0; while [ $i -lt 200 ]; do head -c 60000 /dev/zero | tr '\\\\0' x; echo; i=$((i+1)); done" }
            proc:wait()
            local ok, lines = pcall(proc.readLines, proc)
            error("read " .. tostring(ok))
            """))
        assertMemoryLimit(outcome(runtime, "local ok = pcall(proc.tail, proc, 1000) error('tail: ' .. tostring(ok))"))
        runtime.state.limits = LuaLimits(memoryBytes: 64 * 1_048_576)
        XCTAssertEqual(outcome(runtime, """
            local lines = proc:readLines()
            assert(#lines == 200, "refused lines stay unread: " .. #lines)
            assert(#lines[1] == 60000)
            """), .success)
    }
}
