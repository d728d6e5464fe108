import Foundation
import RScriptTesting
import XCTest

/// Bounds the real binary keeps: a line without a newline is held only up to 64 KiB (the log file
/// gets it whole), and `--memory-limit` refuses what `fs.read` would hand over past it.
final class BoundedOutputTests: XCTestCase {
    private func runLua(_ code: String, _ flags: [String] = [], timeout: Double = 60) throws -> RScriptBinary.Result {
        try RScriptBinary.run(flags + ["-e", code], timeout: timeout)
    }

    func testALineWithoutANewlineIsCappedAt64KiBInMemoryButLoggedWhole() throws {
        // 1 MB with no newline, a newline, a short line; then 300,000 bytes with none at EOF.
        let result = try runLua("""
            local process = require('rscript.process')
            local p = process.spawn{ 'sh', '-c', "head -c 1000000 /dev/zero | tr '\\\\0' a; echo; echo short; head -c 300000 /dev/zero | tr '\\\\0' b" }
            assert(p:wait() == 0)
            local lines = p:readLines()
            assert(#lines == 3, 'lines: ' .. #lines)
            assert(#lines[1] == 65536 and lines[1] == string.rep('a', 65536), 'first line: ' .. #lines[1])
            assert(lines[2] == 'short', lines[2])
            assert(#lines[3] == 65536 and lines[3]:sub(1, 1) == 'b', 'last line: ' .. #lines[3])
            local tail = p:tail(3)
            assert(#tail[1] == 65536 and tail[2] == 'short' and #tail[3] == 65536)
            local log = io.open(p.logPath, 'rb'):read('a')
            assert(#log == 1000000 + 1 + 6 + 300000, 'log: ' .. #log)
            print('ok')
            """)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
        XCTAssertEqual(result.status, 0)
    }

    func testMemoryLimitRefusesFsReadsOfALargeFile() throws {
        let path = NSTemporaryDirectory() + "rscript-50mb-\(UUID().uuidString).bin"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 50 * 1_048_576)  // a sparse 50 MB file
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let code = """
            local fs = require('rscript.fs')
            local kept = {}
            for i = 1, 8 do
              local ok, data = pcall(fs.read, '\(path)')
              kept[i] = data
            end
            print('read ' .. #kept .. ' times')
            """
        let limited = try runLua(code, ["--memory-limit", "5"])
        XCTAssertEqual(limited.status, 1, limited.stdout)
        XCTAssertEqual(limited.stdout, "", "pcall did not catch the refusal")
        XCTAssertTrue(limited.stderr.hasPrefix("rscript: memory limit exceeded (5242880 bytes)"), limited.stderr)
        let unlimited = try runLua(code.replacingOccurrences(of: "for i = 1, 8", with: "for i = 1, 2"))
        XCTAssertEqual(unlimited.stdout, "read 2 times\n", unlimited.stderr)
    }
}
