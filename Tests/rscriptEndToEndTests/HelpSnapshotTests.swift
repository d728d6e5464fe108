import Foundation
import RScriptTesting
import XCTest

/// The `--help` screen of every command, kept as a snapshot (as swift-argument-parser's example
/// tests keep theirs), so a change to a help text is seen in review. The commands are found by
/// walking the SUBCOMMANDS sections, so a new command without a snapshot fails here.
///
/// To record after an intended change: `RSCRIPT_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests`.
final class HelpSnapshotTests: XCTestCase {
    static let folder = RScriptBinary.repositoryRoot + "/Tests/rscriptEndToEndTests/Snapshots/help"

    private func help(_ command: [String]) throws -> String {
        // A fixed width: ArgumentParser wraps to the terminal, or 80 columns without one.
        let result = try RScriptBinary.run(command + ["--help"], environment: ["COLUMNS": "80"])
        XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)")
        return result.stdout
    }

    private func subcommands(in help: String) -> [String] {
        guard let start = help.range(of: "\nSUBCOMMANDS:\n") else { return [] }
        var names: [String] = []
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            // "  name    abstract" starts a command; deeper indentation continues an abstract.
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            if let name = line.split(separator: " ").first { names.append(String(name)) }
        }
        return names.filter { $0 != "help" }
    }

    func testEveryHelpScreenMatchesItsSnapshot() throws {
        let update = ProcessInfo.processInfo.environment["RSCRIPT_UPDATE_SNAPSHOTS"] == "1"
        var queue: [[String]] = [[]]
        var seen: [String] = []
        while !queue.isEmpty {
            let command = queue.removeFirst()
            let text = try help(command)
            let name = command.isEmpty ? "rscript" : "rscript-" + command.joined(separator: "-")
            seen.append(name)
            // (ArgumentParser never wraps the USAGE line.)
            for line in text.split(separator: "\n") where !line.hasPrefix("USAGE:") {
                XCTAssertLessThanOrEqual(line.count, 80, "\(name): a line wider than the screen: \(line)")
            }
            let file = Self.folder + "/" + name + ".txt"
            if update {
                try text.write(toFile: file, atomically: true, encoding: .utf8)
            } else {
                let expected = try? String(contentsOfFile: file, encoding: .utf8)
                XCTAssertNotNil(expected, "no snapshot for `\(command.joined(separator: " ")) --help`: record it (see the doc comment)")
                if let expected { XCTAssertEqual(text, expected, "`\(command.joined(separator: " ")) --help` changed") }
            }
            for sub in subcommands(in: text) { queue.append(command + [sub]) }
        }
        XCTAssertGreaterThan(seen.count, 15, "the walk found the nested commands: \(seen)")
        let stored = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".txt") }
        let stale = Set(stored).subtracting(seen.map { $0 + ".txt" })
        XCTAssertTrue(stale.isEmpty, "snapshots of commands that no longer exist: \(stale.sorted())")
    }
}
