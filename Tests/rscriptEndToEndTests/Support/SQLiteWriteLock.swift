import Foundation
import XCTest

/// Another process (the real `sqlite3`) holding a database's write lock (`BEGIN IMMEDIATE`)
/// until `commit()`: what a busy writer elsewhere does to rscript.
final class SQLiteWriteLock {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    /// Returns once the lock is taken.
    init(_ database: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let sqlite = try XCTUnwrap(["/usr/bin/sqlite3", "/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "sqlite3 is not installed: `apt-get install -y sqlite3` (tools/setup.sh installs it)",
                                   file: file, line: line)
        process.executableURL = URL(fileURLWithPath: sqlite)
        process.arguments = [database]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
        var said = ""
        while !said.contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertTrue(said.contains("locked"), said, file: file, line: line)
    }

    /// Still holding it (the process has not been told to commit, and has not died).
    var isHeld: Bool { process.isRunning }

    /// Commits, lets the lock go, and waits for `sqlite3` to exit.
    func commit() throws {
        input.fileHandleForWriting.write(Data("COMMIT;\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }
}
