import Foundation
import RScriptTesting
import XCTest

/// `reload_source_changes`: a change to the script or to a module it required is served
/// without a restart; a change that does not compile, or fails while it runs, keeps the old
/// handlers and says why.
final class WebServerReloadTests: XCTestCase {
    private func write(_ text: String, to path: String) throws {
        // Through a rename, as editors save: the watcher must see a new file, not only new bytes.
        try text.write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(path + ".tmp", path), 0)
    }

    private func waitFor(_ url: String, toSay expected: String, timeout: Double = 10) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = (try? HTTPExchange.curl(url))?.text ?? ""
            if last == expected { return last }
            usleep(100_000)
        }
        return last
    }

    func testChangesAreServedInPlaceAndBrokenOnesKeepTheOldHandlers() throws {
        let server = try RScriptBinary.temporaryScript("""
            local webServer = require("rscript.webserver")
            local h = require("greetings")
            webServer.urlHandler("/hello", function() return h.greeting end)
            webServer.urlHandler("/stop", function() webServer.requestShutdown() return "bye" end)
            webServer.run{ port = 0, debug = true }  -- debug turns reload_source_changes on
            print("after run")
            """, name: "server.lua")
        let folder = (server as NSString).deletingLastPathComponent
        let module = folder + "/greetings.lua"
        try write("return { greeting = 'v1' }", to: module)
        let process = try ServerProcess(script: server)
        let hello = process.baseURL + "/hello"
        XCTAssertEqual(try HTTPExchange.curl(hello).text, "v1")

        try write("return { greeting = 'v2' }", to: module)
        XCTAssertEqual(waitFor(hello, toSay: "v2"), "v2", process.stderr)
        XCTAssertTrue(process.stderr.contains("reloaded after a change to"), process.stderr)

        try write("return { greeting = ", to: module)
        let deadline = Date().addingTimeInterval(10)
        while !process.stderr.contains("keeping the old handlers") && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(process.stderr.contains("greetings.lua:1: unexpected symbol"), process.stderr)
        XCTAssertEqual(try HTTPExchange.curl(hello).text, "v2", "a change with a syntax error keeps the old handlers")

        // A script that fails while it runs again keeps them too.
        try write("error('not today')", to: module)
        let failed = Date().addingTimeInterval(10)
        while !process.stderr.contains("reload failed") && Date() < failed { usleep(50_000) }
        XCTAssertTrue(process.stderr.contains("not today"), process.stderr)
        XCTAssertEqual(try HTTPExchange.curl(hello).text, "v2")

        // The script itself: a handler renamed is gone from its old path.
        let script = try String(contentsOfFile: server, encoding: .utf8)
        try write("return { greeting = 'v3' }", to: module)
        try write(script.replacingOccurrences(of: "\"/stop\"", with: "\"/halt\""), to: server)
        XCTAssertEqual(waitFor(hello, toSay: "v3"), "v3", process.stderr)
        XCTAssertEqual(waitFor(process.baseURL + "/halt", toSay: "bye"), "bye", process.stderr)
        XCTAssertTrue(process.waitForExit(timeout: 10), process.stderr)
        XCTAssertEqual(process.process.terminationStatus, 0, process.stderr)
    }

    func testWithoutDebugNothingIsWatched() throws {
        let server = try RScriptBinary.temporaryScript("""
            local webServer = require("rscript.webserver")
            webServer.urlHandler("/hello", function() return "v1" end)
            webServer.run{ port = 0 }
            """, name: "server.lua")
        let process = try ServerProcess(script: server)
        let script = try String(contentsOfFile: server, encoding: .utf8)
        try write(script.replacingOccurrences(of: "\"v1\"", with: "\"v2\""), to: server)
        usleep(1_500_000)
        XCTAssertEqual(try HTTPExchange.curl(process.baseURL + "/hello").text, "v1")
        XCTAssertFalse(process.stderr.contains("reloaded"), process.stderr)
    }
}
