import Foundation
import RScriptTesting
import XCTest

/// The page of `rscript serve` in headless Chromium (Debian `chromium` and `chromium-driver`,
/// driven by `selenium` from PyPI through Clients/serve_browser.py), against the real server and
/// a real POV-Ray render in another rscript process. Any JavaScript console error fails.
/// Screenshots go to the output folder ($RSCRIPT_TEST_OUTPUT, else $TMPDIR/rscript-serve-browser)
/// and, with RSCRIPT_UPDATE_SCREENSHOTS=1, to docs/serve/ for docs/serve.md (as help snapshots are
/// recorded: a plain test run leaves the tree as it was).
final class ServeBrowserTests: XCTestCase {
    static let scenes = RScriptBinary.repositoryRoot + "/scripts/examples/scenes"
    static let install = "sudo apt-get install -y chromium chromium-driver && python3 -m pip install selenium (tools/test.sh installs them)"
    var folder = ""
    var database: String { folder + "/gallery.db" }
    var environment: [String: String] = [:]

    static var outputFolder: String {
        if let given = ProcessInfo.processInfo.environment["RSCRIPT_TEST_OUTPUT"], !given.isEmpty {
            return given + "/ServeBrowserTests"
        }
        return NSTemporaryDirectory() + "rscript-serve-browser"
    }

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-serve-browser-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        environment = [
            "RSCRIPT_DB": database,
            "RSCRIPT_PLUGIN_PATH": folder + "/no-plugins:&",  // &: the shipped POV-Ray plugin
            "XDG_CONFIG_HOME": folder + "/config",
            "TMPDIR": folder,
        ]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Chromium, its driver, selenium and POV-Ray: a missing one fails with the command that
    /// installs it (never a skip).
    private func requireTools() throws {
        for tool in ["chromium", "chromedriver", "povray"] where which(tool) == nil {
            throw ServerError(message: "\(tool) is not installed: " + (tool == "povray" ? "bash tools/setup.sh" : Self.install))
        }
        let selenium = try RScriptBinary.run(["python3", "-c", "import selenium"], executable: "/usr/bin/env")
        if selenium.status != 0 { throw ServerError(message: "selenium is not installed: \(Self.install)\n\(selenium.stderr)") }
    }

    private func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    private func rscript(_ arguments: [String], timeout: Double = 120) throws -> RScriptBinary.Result {
        try RScriptBinary.run(arguments, environment: environment, directory: folder, timeout: timeout)
    }

    private func startServer() throws -> ServerProcess {
        try ServerProcess(rscript: ["serve", "--port", "0", "--db", database], environment: environment)
    }

    private func object(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    /// The jobs the page opens: one that waits for the browser's go (a file), then logs a line
    /// every 0.4 s; one that sleeps until the page kills it.
    private func writeJobScripts(trigger: String) throws {
        let files = [
            "jobs.lua": """
                local JobManager = require("rscript.jobmanager")
                local jm = JobManager.get_instance()
                jm.max_workers = 2
                assert(jm:add_job("browser-log", "log_job.lua", { passed_data = { trigger = \(luaString(trigger)), lines = 12 } }))
                assert(jm:add_job("browser-sleeper", "sleeper.lua"))
                print("job " .. jm:get_job_id("browser-log"))
                print("sleeper " .. jm:get_job_id("browser-sleeper"))
                io.stdout:flush()
                jm:wait()
                """,
            "log_job.lua": """
                local fs, time = require("rscript.fs"), require("rscript.time")
                while not fs.exists(passed_data.trigger) do time.sleep(0.1) end
                for i = 1, passed_data.lines do
                  print("log line " .. i)
                  io.stdout:flush()
                  update_job_progress(i / passed_data.lines, "line " .. i)
                  time.sleep(0.4)
                end
                return { lines = passed_data.lines }
                """,
            "sleeper.lua": """
                update_job_progress(0.5, "sleeping until killed")
                require("rscript.time").sleep(300)
                """,
        ]
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
    }

    func testThePageShowsALiveRenderSendsAClickAndFollowsAJob() throws {
        try requireTools()
        // A small frame render first, so the frame views have chunks and a contact sheet.
        let frames = try rscript(["render", Self.scenes + "/orbit.pov", "--renderer", "POV-Ray", "--frames", "1-6",
                                  "--workers", "2", "--res", "96x72", "--output", folder + "/frames/orbit_####", "--json"])
        XCTAssertEqual(frames.status, 0, frames.stderr)

        let server = try startServer()
        defer { server.stop() }
        let frameList = try HTTPExchange.curl(server.baseURL + "/api/v1/frames?limit=1")
        let frameRender = try XCTUnwrap(((frameList.json["frames"] as? [[String: Any]])?.first)?["id"] as? Int, frameList.text)
        // Slow enough to be watched and clicked (about 20 s on one thread), with a quick preview
        // pass first so there is an image to click while the frame renders.
        let render = try BackgroundCommand(
            ["render", Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "1920x1440", "--option", "preview=1",
             "--option", "threads=1", "--option", "antialias=0.0", "--option", "antialias_depth=4", "--json"],
            environment: environment, directory: folder)
        defer { render.stop() }
        let renderID = try render.waitForLine("start event") { line in
            object(line).flatMap { $0["event"] as? String == "start" ? $0["id"] as? Int : nil }
        }
        let trigger = folder + "/go"
        try writeJobScripts(trigger: trigger)
        let jobs = try BackgroundCommand(["run", folder + "/jobs.lua"], environment: environment, directory: folder)
        defer { jobs.stop() }
        let ids = try jobs.waitForLine("job ids") { line -> (Int, Int)? in
            guard line.hasPrefix("sleeper "), let sleeper = Int(line.dropFirst(8)) else { return nil }
            let job = jobs.stdout.split(separator: "\n").first { $0.hasPrefix("job ") }.flatMap { Int($0.dropFirst(4)) }
            return job.map { ($0, sleeper) }
        }

        try FileManager.default.createDirectory(atPath: Self.outputFolder, withIntermediateDirectories: true)
        let updateDocs = ProcessInfo.processInfo.environment["RSCRIPT_UPDATE_SCREENSHOTS"] == "1"
        let seen = try PythonClient.run("serve_browser.py", [
            "live", server.baseURL, "--render", String(renderID), "--job", String(ids.0), "--sleeper", String(ids.1),
            "--frames", String(frameRender), "--trigger", trigger, "--out", Self.outputFolder,
        ] + (updateDocs ? ["--docs", RScriptBinary.repositoryRoot + "/docs/serve"] : []), timeout: 600)
        print("ServeBrowserTests: screenshots in \(Self.outputFolder)")
        let context = "\(seen)\nserver stderr:\n\(server.stderr)\nrender stderr:\n\(render.stderr)\njobs stderr:\n\(jobs.stderr)"
        XCTAssertEqual(seen["consoleErrors"] as? [String], [], "no JavaScript console error: \(context)")
        if let error = seen["error"] as? String {
            return XCTFail("the page failed a step (after \(seen["steps"] ?? [])): \(error)\n\(context)")
        }

        // The percent rose in the gallery, from events alone.
        let percents = seen["percents"] as? [Double] ?? []
        let rising = percents.filter { $0 > 0 && $0 < 100 }
        XCTAssertGreaterThanOrEqual(rising.count, 2, "\(percents)")
        XCTAssertGreaterThan(rising.last ?? 0, rising.first ?? 0, "\(percents)")
        XCTAssertEqual(seen["noReloadInGallery"] as? Bool, true)
        XCTAssertEqual(seen["noReloadOnRenderPage"] as? Bool, true)
        XCTAssertEqual(seen["noReloadOnJobPage"] as? Bool, true)

        // The click reached the plugin: it recorded where (0.8, 0.5 of the shown image) and
        // rendered that region first.
        let click = seen["lastClick"] as? [String: Any]
        XCTAssertEqual(click?["x"] as? Double ?? -1, 0.8, accuracy: 0.02, "\(String(describing: click))")
        XCTAssertEqual(click?["y"] as? Double ?? -1, 0.5, accuracy: 0.02, "\(String(describing: click))")
        let images = (seen["images"] as? [String] ?? []).map { ($0 as NSString).lastPathComponent }
        XCTAssertEqual(images.first, "region-1.png", "the newest image is the clicked region: \(images)")
        XCTAssertTrue(images.contains("preview.png"), "\(images)")
        let keys = seen["metadataKeys"] as? [String] ?? []
        for key in ["percentDone", "pass", "lastClick", "peakMemory"] { XCTAssertTrue(keys.contains(key), "\(key) in \(keys)") }
        let show = try rscript(["gallery", "show", String(renderID), "--json"])
        let record = object(show.stdout)
        XCTAssertNotNil((record?["metadata"] as? [String: Any])?["lastClick"], "the click is in the database: \(show.stdout)")

        // The job's log grew while the page showed it, and it completed.
        let counts = seen["jobLogCounts"] as? [Int] ?? []
        XCTAssertGreaterThan(counts.last ?? 0, counts.first ?? 0, "\(counts)")
        XCTAssertTrue((seen["jobLog"] as? String ?? "").contains("log line 12"), "\(String(describing: seen["jobLog"]))")
        XCTAssertEqual(seen["jobState"] as? String, "completed")
        XCTAssertEqual(seen["killed"] as? String, "killed")
        XCTAssertTrue(["queued", "active"].contains(seen["retried"] as? String ?? ""), "\(String(describing: seen["retried"]))")

        // Frames: every chunk done, the contact sheet shown.
        let chunks = seen["chunks"] as? [String] ?? []
        XCTAssertFalse(chunks.isEmpty)
        XCTAssertEqual(Set(chunks), ["chunk-done"], "\(chunks)")
        XCTAssertGreaterThan((seen["contactSheet"] as? [Int])?.first ?? 0, 0)

        // The Stop button stopped it (a render that finished first is fine too).
        XCTAssertTrue(["stopped", "finished"].contains(seen["endState"] as? String ?? ""), "\(String(describing: seen["endState"]))")
        for name in ["gallery.png", "render.png", "jobs.png", "job.png", "frames.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: Self.outputFolder + "/" + name), name)
        }
    }

    /// A server with a token: the page takes it from `#token=` (as `rscript serve` prints the
    /// URL), sends it on every fetch, and as the cookie its images and event stream carry; no
    /// request is refused (a 401 would be a console error).
    func testThePageSendsTheTokenItIsGiven() throws {
        try requireTools()
        let rendered = try rscript(["render", Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "160x120", "--json"])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        let renderID = try XCTUnwrap(rendered.stdout.split(separator: "\n").compactMap { object(String($0)) }
            .first { $0["event"] as? String == "start" }?["id"] as? Int, rendered.stdout)
        let token = "page-test-\(UUID().uuidString)"
        let server = try ServerProcess(rscript: ["serve", "--port", "0", "--db", database, "--token", token], environment: environment)
        defer { server.stop() }
        XCTAssertTrue(server.stderr.contains("#token=" + token) || server.stderr.contains("listening"), server.stderr)
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/api/v1/renders").status, 401, "the token is required")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/").status, 200, "the page itself is public")
        try FileManager.default.createDirectory(atPath: Self.outputFolder, withIntermediateDirectories: true)
        let seen = try PythonClient.run("serve_browser.py", ["token", server.baseURL, "--token", token, "--render", String(renderID),
                                                             "--out", Self.outputFolder], timeout: 300)
        XCTAssertNil(seen["error"] as? String, "\(seen)\nserver stderr:\n\(server.stderr)")
        XCTAssertEqual(seen["consoleErrors"] as? [String], [], "\(seen)")
        XCTAssertFalse((seen["addressBar"] as? String ?? token).contains(token), "the token leaves the address bar: \(seen)")
        XCTAssertTrue((seen["log"] as? String ?? "").contains("POV-Ray"), "\(seen)")
        XCTAssertEqual(seen["reloaded"] as? Bool, true)
    }

    /// Benchmark (docs/benchmarks.md): page load to the first thumbnail's load event with 1,000
    /// renders (each with its own 640x480 PNG) and 10,000 jobs in the database, in Chromium. The
    /// first run is cold (the server makes the thumbnails it is asked for), the others warm.
    func testPageLoadToFirstThumbnailWith1000Renders() throws {
        try requireTools()
        try "require('rscript.jobmanager').get_instance()".write(toFile: folder + "/init.lua", atomically: true, encoding: .utf8)
        let made = try rscript(["run", folder + "/init.lua"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let filled = try PythonClient.run("serve_browser.py", ["fill", database, "--renders", "1000", "--jobs", "10000",
                                                               "--images", folder + "/images"], timeout: 300)
        XCTAssertNil(filled["error"] as? String, "\(filled)")
        let server = try startServer()
        defer { server.stop() }
        try FileManager.default.createDirectory(atPath: Self.outputFolder, withIntermediateDirectories: true)
        let seen = try PythonClient.run("serve_browser.py", ["firstthumb", server.baseURL, "--out", Self.outputFolder, "--runs", "5"],
                                        timeout: 600)
        XCTAssertEqual(seen["consoleErrors"] as? [String], [], "\(seen)")
        if let error = seen["error"] as? String { return XCTFail("\(error)\n\(seen)\nserver stderr:\n\(server.stderr)") }
        let runs = seen["runs"] as? [[String: Any]] ?? []
        XCTAssertEqual(runs.count, 5, "\(seen)")
        let times = runs.compactMap { $0["firstThumbnailMs"] as? Double }
        for run in runs {
            XCTAssertEqual(run["count"] as? String, "1000 renders")
            XCTAssertEqual(run["cards"] as? Int, 48, "one page of cards, not 1,000: \(run)")
            XCTAssertLessThanOrEqual(run["thumbnailsFetched"] as? Int ?? 999, 48, "thumbnails load lazily: \(run)")
        }
        let warm = times.dropFirst().sorted()
        let median = warm.isEmpty ? 0 : warm[warm.count / 2]
        let fetched = runs.compactMap { $0["thumbnailsFetched"] as? Int }
        print(String(format: "ServeBrowserTests: page load to first thumbnail, 1,000 renders: cold %.0f ms, warm median %.0f ms (runs %@; thumbnails fetched per load %@, of 1,000)",
                     times.first ?? 0, median, times.map { String(format: "%.0f", $0) }.joined(separator: ", "),
                     fetched.map(String.init).joined(separator: ", ")))
        let jobs = seen["jobs"] as? [String: Any] ?? [:]
        XCTAssertEqual(jobs["count"] as? String, "10000 jobs", "\(jobs)")
        XCTAssertEqual(jobs["rows"] as? Int, 100, "one page of jobs: \(jobs)")
        XCTAssertEqual(jobs["rowsAfterMore"] as? Int, 200, "\(jobs)")
        print("ServeBrowserTests: jobs page, 10,000 jobs: first row after \(jobs["firstRowSeconds"] ?? "?") s")
        for (index, run) in runs.enumerated() {
            print("ServeBrowserTests: run \(index + 1): first thumbnail loaded at \(run["firstThumbnailMs"] ?? "?") ms: app files loaded at \(run["scriptsLoadedMs"] ?? "?") ms, cards shown at \(run["cardsShownMs"] ?? "?") ms (list request \(run["listMs"] ?? "?") ms), first thumbnail arrived at \(run["firstThumbnailArrivedMs"] ?? "?") ms (its request \(run["firstThumbnailFetchMs"] ?? "?") ms)")
        }
    }

    private func luaString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
