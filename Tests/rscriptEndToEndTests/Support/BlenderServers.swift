import Foundation
import XCTest

/// The Blender servers (`rscript_blender_server.py`) of the end-to-end tests, found through /proc.
enum BlenderServers {
    /// Fails unless, within 5 s, no Blender server whose working folder is under `dir` runs
    /// (restarted ones included). Scoped to the folder: tests may run at once in parallel workers.
    static func assertNoneLeft(in dir: String, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(5)
        var left: [String] = []
        repeat {
            left = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { pid -> String? in
                guard Int(pid) != nil, let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                      String(decoding: cmdline, as: UTF8.self).contains("rscript_blender_server.py"),
                      let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
                      cwd.hasPrefix(dir) else { return nil }
                return pid
            } ?? []
            if left.isEmpty { return }
            usleep(100_000)
        } while Date() < deadline
        XCTFail("Blender servers left running: \(left)", file: file, line: line)
    }
}
