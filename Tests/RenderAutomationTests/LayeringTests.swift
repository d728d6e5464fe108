import Foundation
import XCTest

/// The domain reaches Lua through LuaBridge, where every stack push is reserved and every call
/// that can raise runs protected. A file of `Sources/RenderAutomation` may import the C API
/// (`CLuaShim`) only if it is named here, and it must say why in a comment with `C API:` in
/// its header (the comments and imports at the top). Adding a file here is a design decision, not a fix for a failing build.
final class LayeringTests: XCTestCase {
    static let filesAllowedTheCAPI: Set<String> = [
        // The JSON codec's Lua ends build and walk tables on the stack, raw (the fast path).
        "Modules/JSONModule.swift",
        "Modules/JSON/JSONMarkers.swift",
        "Modules/JSON/LuaJSONSink.swift",
        "Modules/JSON/LuaJSONWriter.swift",
        "Modules/JSON/LuaJSONWriter+Keys.swift",
        // Tab completion walks tables, metatables and upvalues raw from a libedit callback.
        "Repl/ReplCompleter.swift",
    ]

    func testOnlyTheNamedFilesImportTheLuaCAPI() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/RenderAutomation")
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 50, "found no sources under \(root.path)")
        var importing: Set<String> = []
        for file in files {
            let lines = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.contains("import CLuaShim") else { continue }
            importing.insert(file)
            let header = lines.prefix { $0.hasPrefix("import ") || $0.hasPrefix("//") || $0.isEmpty }
            XCTAssertTrue(header.contains { $0.hasPrefix("//") && $0.contains("C API: ") },
                          "\(file) imports CLuaShim without a `// C API: why` comment in its header")
        }
        XCTAssertEqual(importing.subtracting(Self.filesAllowedTheCAPI).sorted(), [],
                       "these files import CLuaShim: give LuaBridge the operation they need instead")
        XCTAssertEqual(Self.filesAllowedTheCAPI.subtracting(importing).sorted(), [],
                       "these files no longer import CLuaShim: take them off the list")
    }
}
