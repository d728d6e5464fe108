import Foundation
import RScriptTesting
import XCTest

/// `rscript serve` through the real binary: its REST API, events and metrics, spoken to with
/// curl while other rscript processes render and run jobs in the same database.
final class ServeTests: XCTestCase {
    var folder: String!
    var db: String { folder + "/gallery.db" }
    static let scenes = RScriptBinary.repositoryRoot + "/scripts/examples/scenes"

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func serve(_ extra: [String] = [], environment: [String: String] = [:]) throws -> ServerProcess {
        try ServerProcess(rscript: ["serve", "--port", "0", "--db", db] + extra, environment: environment)
    }

    func get(_ server: ServerProcess, _ path: String, _ arguments: [String] = []) throws -> HTTPExchange {
        try HTTPExchange.curl(server.baseURL + path, arguments)
    }

    func post(_ server: ServerProcess, _ path: String, json: String = "{}") throws -> HTTPExchange {
        try HTTPExchange.curl(server.baseURL + path, ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json])
    }

    func render(_ arguments: [String], timeout: Double = 120) throws -> RScriptBinary.Result {
        try RScriptBinary.run(["render"] + arguments, environment: ["RSCRIPT_DB": db], directory: folder, timeout: timeout)
    }

    func requirePOVRay() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/povray") else {
            XCTFail("POV-Ray is missing: apt-get install povray (tools/setup.sh installs it)")
            throw XCTSkip("povray")
        }
    }

    // MARK: Live renders

    func testEventsAndTheAPIFollowARenderMadeByAnotherProcess() throws {
        try requirePOVRay()
        let server = try serve()
        // Printed once `run` returns, just after the server's own "listening on" line.
        XCTAssertTrue(waitFor(timeout: 10) { server.stderr.contains("rscript serve: \(self.db) at http://127.0.0.1:\(server.port)/") }, server.stderr)
        let tap = try EventTap(server.baseURL + "/api/v1/events")
        XCTAssertTrue(tap.wait(timeout: 10) { _ in tap.raw.contains("retry: 2000") }, "the stream opened: \(tap.raw)")

        let result = try render([Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "320x240"])
        XCTAssertEqual(result.status, 0, result.stderr)

        XCTAssertTrue(tap.wait { events in
            events.contains { $0.kind == "render" && $0.data["state"] as? String == "finished" }
        }, "a render event with the finished state arrives: \(tap.raw)")
        let renderEvents = tap.events.filter { $0.kind == "render" }
        let counts = renderEvents.compactMap { $0.data["changeCount"] as? Int }
        XCTAssertEqual(counts, counts.sorted(), "render events arrive in the order of the writes")
        XCTAssertEqual(Set(counts).count, counts.count, "each change once")
        XCTAssertEqual(renderEvents.first?.data["state"] as? String, "rendering", "the render is seen while it renders")
        let ids = tap.events.map(\.id)
        XCTAssertEqual(ids, ids.sorted { ($0.split(separator: ".").last.flatMap { Int($0) } ?? 0) < ($1.split(separator: ".").last.flatMap { Int($0) } ?? 0) })
        let image = try XCTUnwrap(tap.events.first { $0.kind == "image" }, "an image event: \(tap.raw)")
        XCTAssertEqual(image.data["render"] as? Int, 1)
        XCTAssertTrue((image.data["path"] as? String ?? "").hasSuffix(".png"))

        let list = try get(server, "/api/v1/renders")
        XCTAssertEqual(list.status, 200)
        let renders = try XCTUnwrap(list.json["renders"] as? [[String: Any]])
        XCTAssertEqual(renders.count, 1)
        XCTAssertEqual(renders[0]["state"] as? String, "finished")
        XCTAssertEqual((renders[0]["metadata"] as? [String: Any])?["percentDone"] as? Int, 100)
        XCTAssertEqual(list.json["total"] as? Int, 1)

        let picture = try get(server, "/api/v1/renders/1/image")
        XCTAssertEqual(picture.status, 200)
        XCTAssertEqual(picture.headers["content-type"], "image/png")
        XCTAssertEqual(Array(picture.body.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "PNG bytes")
        let etag = try XCTUnwrap(picture.headers["etag"])
        XCTAssertEqual(picture.headers["cache-control"], "no-cache")
        XCTAssertEqual(try get(server, "/api/v1/renders/1/image", ["-H", "If-None-Match: \(etag)"]).status, 304)

        let log = try get(server, "/api/v1/renders/1/log?tail=3")
        XCTAssertEqual(log.status, 200)
        let logPath = try XCTUnwrap(renders[0]["logPath"] as? String)
        let reference = try RScriptBinary.run(["-n", "3", logPath], executable: "/usr/bin/tail")
        XCTAssertEqual(log.text, reference.stdout, "the same lines as tail -n 3")

        let one = try get(server, "/api/v1/renders/1")
        XCTAssertEqual((one.json["imagePaths"] as? [Any])?.count, one.json["imageCount"] as? Int, "the full image history")
    }

    func testLastEventIDResumesAndAnUnknownOneResets() throws {
        try requirePOVRay()
        let server = try serve()
        let tap = try EventTap(server.baseURL + "/api/v1/events")
        XCTAssertTrue(tap.wait(timeout: 10) { _ in tap.raw.contains("retry: 2000") })
        XCTAssertEqual(try render([Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "64x48"]).status, 0)
        XCTAssertTrue(tap.wait { $0.contains { $0.data["state"] as? String == "finished" } }, tap.raw)
        let all = tap.events
        XCTAssertGreaterThanOrEqual(all.count, 3)
        let resumed = try EventTap(server.baseURL + "/api/v1/events", headers: ["Last-Event-ID: \(all[0].id)"])
        XCTAssertTrue(resumed.wait { $0.count >= all.count - 1 }, resumed.raw)
        XCTAssertEqual(resumed.events.map(\.id), Array(all.dropFirst()).map(\.id), "exactly the events after the one named")
        let stale = try EventTap(server.baseURL + "/api/v1/events", headers: ["Last-Event-ID: 12345.7"])
        XCTAssertTrue(stale.wait { $0.first?.kind == "reset" }, stale.raw)
    }

    /// POV-Ray on one thread at 16 samples a pixel: several seconds at 1280x960.
    func startSlowPOVRay() throws -> LiveRender {
        try LiveRender(["render", Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "1280x960",
                        "--option", "antialias=0.0", "--option", "antialias_depth=4", "--option", "threads=1", "--json"],
                       environment: ["RSCRIPT_DB": db], directory: folder)
    }

    func waitForProgress(_ server: ServerProcess, _ id: Int64) -> Bool {
        waitFor(timeout: 60) {
            let render = (try? self.get(server, "/api/v1/renders/\(id)").json) ?? [:]
            return ((render["metadata"] as? [String: Any])?["percentDone"] as? Double ?? 0) > 0
        }
    }

    func testAClickThroughTheAPIReachesThePluginInTheRenderingProcess() throws {
        try requirePOVRay()
        let server = try serve()
        let render = try startSlowPOVRay()
        XCTAssertTrue(waitForProgress(server, render.id), "the render progressed")
        check(try post(server, "/api/v1/renders/\(render.id)/click", json: #"{"x": 2, "y": 0}"#), 400, "normalized")
        check(try post(server, "/api/v1/renders/\(render.id)/click", json: "nope"), 400, "must be JSON")
        let clicked = try post(server, "/api/v1/renders/\(render.id)/click", json: #"{"x": 0.95, "y": 0.5}"#)
        XCTAssertEqual(clicked.status, 200, clicked.text)
        XCTAssertEqual(render.wait(timeout: 180).status, 0)
        let done = try get(server, "/api/v1/renders/\(render.id)").json
        XCTAssertEqual(done["state"] as? String, "finished")
        let metadata = done["metadata"] as? [String: Any] ?? [:]
        XCTAssertEqual((metadata["lastClick"] as? [String: Any])?["x"] as? Double, 0.95, "the plugin's mouseClick ran: \(metadata)")
        let names = (done["imagePaths"] as? [[String: Any]] ?? []).compactMap { ($0["path"] as? String).map { ($0 as NSString).lastPathComponent } }
        XCTAssertEqual(names.first, "region-1.png", "the clicked region is rendered first: \(names)")
        let regionLog = try String(contentsOfFile: folder + "/gallery-renders/\(render.id)/povray-region.log", encoding: .utf8)
        XCTAssertTrue(regionLog.contains("rows 361 to 600, columns 961 to 1280"), "the region re-render is in the log: \(regionLog.suffix(400))")
        check(try post(server, "/api/v1/renders/\(render.id)/click", json: #"{"x": 0.5, "y": 0.5}"#), 409, "is finished")
    }

    func testStopThroughTheAPIStopsTheRenderAndADeadOwnerIsAConflict() throws {
        try requirePOVRay()
        let server = try serve()
        let render = try startSlowPOVRay()
        XCTAssertTrue(waitForProgress(server, render.id))
        let stopped = try post(server, "/api/v1/renders/\(render.id)/stop")
        XCTAssertEqual(stopped.status, 200, stopped.text)
        _ = render.wait(timeout: 60)
        XCTAssertEqual(try get(server, "/api/v1/renders/\(render.id)").json["state"] as? String, "stopped")
        check(try post(server, "/api/v1/renders/\(render.id)/stop"), 409, "is stopped")

        let doomed = try startSlowPOVRay()
        XCTAssertTrue(waitForProgress(server, doomed.id))
        doomed.killWithChildren()
        check(try post(server, "/api/v1/renders/\(doomed.id)/stop"), 409, "which is gone")
    }

    /// Width and height from a PNG's IHDR chunk.
    func pngSize(_ data: Data) -> (Int, Int)? {
        let bytes = [UInt8](data)
        guard bytes.count > 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    func testThumbnailsContactSheetsAndPlaceholders() throws {
        try requirePOVRay()
        XCTAssertEqual(try render([Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "640x480"]).status, 0)
        let frames = try render([Self.scenes + "/orbit.pov", "--renderer", "POV-Ray", "--frames", "1-4", "--workers", "2",
                                 "--res", "96x72", "--output", folder + "/frames"])
        XCTAssertEqual(frames.status, 0, frames.stderr)
        let server = try serve()

        let thumbnail = try get(server, "/api/v1/renders/1/thumbnail")
        XCTAssertEqual(thumbnail.status, 200, thumbnail.text)
        XCTAssertEqual(thumbnail.headers["content-type"], "image/png")
        XCTAssertEqual(pngSize(thumbnail.body).map { [$0.0, $0.1] }, [256, 192], "256 px on the long side, aspect kept")
        let etag = try XCTUnwrap(thumbnail.headers["etag"])
        XCTAssertEqual(try get(server, "/api/v1/renders/1/thumbnail", ["-H", "If-None-Match: \(etag)"]).status, 304)
        XCTAssertEqual(pngSize(try get(server, "/api/v1/renders/1/thumbnail?size=64").body).map { $0.0 }, 64)
        check(try get(server, "/api/v1/renders/1/thumbnail?size=9"), 400, "size must be")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/gallery-thumbnails"), "the cache lives beside the database")

        let listed = try get(server, "/api/v1/frames")
        let frameRender = try XCTUnwrap((listed.json["frames"] as? [[String: Any]])?.first, listed.text)
        XCTAssertEqual(frameRender["state"] as? String, "finished")
        let detail = try get(server, "/api/v1/frames/\(frameRender["id"] as? Int ?? 0)")
        XCTAssertEqual((detail.json["chunks"] as? [[String: Any]])?.allSatisfy { $0["state"] as? String == "done" }, true, detail.text)
        let frameList = try XCTUnwrap(detail.json["frameList"] as? [[String: Any]])
        XCTAssertEqual(frameList.map { $0["frame"] as? Int }, [1, 2, 3, 4])
        XCTAssertEqual(frameList.map { $0["exists"] as? Bool }, [true, true, true, true], detail.text)
        let sheet = try get(server, "/api/v1/frames/\(frameRender["id"] as? Int ?? 0)/contact-sheet")
        XCTAssertEqual(sheet.status, 200)
        let (width, height) = try XCTUnwrap(pngSize(sheet.body))
        XCTAssertGreaterThan(width, 4 * 96, "four tiles side by side: \(width)x\(height)")

        // The image is damaged: a placeholder, a logged reason, never a 500.
        let image = try XCTUnwrap((try get(server, "/api/v1/renders/1").json["imagePaths"] as? [[String: Any]])?.last?["path"] as? String)
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: image))
        for _ in 0..<3 {
            let broken = try get(server, "/api/v1/renders/1/thumbnail")
            XCTAssertEqual(broken.status, 200)
            XCTAssertEqual(broken.headers["cache-control"], "no-cache", "a placeholder is not kept")
            XCTAssertNotNil(pngSize(broken.body))
        }
        XCTAssertTrue(waitFor(timeout: 5) { server.stderr.contains("render 1's thumbnail") }, server.stderr)
        XCTAssertEqual(server.stderr.components(separatedBy: "render 1's thumbnail").count - 1, 1, "logged once: \(server.stderr)")
    }

    // MARK: Jobs

    func testAJobIsFollowedKilledAndRetriedThroughTheAPI() throws {
        let hang = """
            for i = 1, 1000 do
              print("step " .. i)
              io.stdout:flush()
              if io.open(passed_data.release) then return { steps = i } end
              require("rscript.time").sleep(0.1)
            end
            """
        let release = folder + "/release"
        try hang.write(toFile: folder + "/hang.lua", atomically: true, encoding: .utf8)
        try """
            local jm = require("rscript.jobmanager").get_instance()
            assert(jm:add_job("hang", "hang.lua", { passed_data = { release = \(luaString(release)) } }))
            jm:wait()
            """.write(toFile: folder + "/main.lua", atomically: true, encoding: .utf8)
        let server = try serve()
        let owner = Process()
        owner.executableURL = URL(fileURLWithPath: RScriptBinary.path)
        owner.arguments = ["run", folder + "/main.lua"]
        owner.environment = ProcessInfo.processInfo.environment.merging(["RSCRIPT_DB": db]) { $1 }
        owner.currentDirectoryURL = URL(fileURLWithPath: folder)
        owner.standardOutput = FileHandle.nullDevice
        owner.standardError = FileHandle.nullDevice
        try owner.run()
        defer { if owner.isRunning { owner.terminate() }; owner.waitUntilExit() }

        var job: [String: Any] = [:]
        XCTAssertTrue(waitFor { job = (try? self.get(server, "/api/v1/jobs/1").json) ?? [:]; return job["state"] as? String == "ACTIVE" }, "\(job)")
        XCTAssertTrue(waitFor { (try? self.get(server, "/api/v1/jobs/1/log?tail=2").text.contains("step 3")) ?? false }, "the log follows the job")
        let tail = try get(server, "/api/v1/jobs/1/log?tail=2")
        XCTAssertEqual(tail.text.split(separator: "\n").count, 2, tail.text)
        let listed = try get(server, "/api/v1/jobs?state=ACTIVE")
        XCTAssertEqual((listed.json["jobs"] as? [[String: Any]])?.first?["name"] as? String, "hang")

        let killed = try post(server, "/api/v1/jobs/1/kill")
        XCTAssertEqual(killed.status, 200, killed.text)
        XCTAssertEqual((killed.json["job"] as? [String: Any])?["state"] as? String, "KILLED")
        let again = try post(server, "/api/v1/jobs/1/kill")
        XCTAssertEqual(again.status, 409, again.text)
        XCTAssertTrue(again.text.contains("already ended"), again.text)
        owner.waitUntilExit()

        _ = FileManager.default.createFile(atPath: release, contents: Data())
        let retried = try post(server, "/api/v1/jobs/1/retry")
        XCTAssertEqual(retried.status, 200, retried.text)
        XCTAssertEqual((retried.json["job"] as? [String: Any])?["state"] as? String, "QUEUED")
        XCTAssertEqual(try post(server, "/api/v1/jobs/1/retry").status, 409, "a queued job cannot be retried")
        let before = try get(server, "/api/v1/jobs/1").text
        let ran = try RScriptBinary.run(["jobs", "run", "--db", db], directory: folder, timeout: 60)
        XCTAssertEqual(ran.status, 0, ran.stderr)
        XCTAssertEqual(try get(server, "/api/v1/jobs/1").json["state"] as? String, "COMPLETED", ran.stdout + ran.stderr + before)
    }

    // MARK: Bad input and security

    func testBadInputGivesClearErrors() throws {
        let server = try serve()
        check(try get(server, "/api/v1/renders/7"), 404, "no render has id 7")
        check(try get(server, "/api/v1/renders/abc"), 404, "no such route")
        check(try get(server, "/api/v1/jobs/3"), 404, "no job has id 3")
        check(try get(server, "/api/v1/frames/3"), 404, "no frame render has id 3")
        check(try get(server, "/api/v1/renders?state=done"), 400, "state must be one of")
        check(try get(server, "/api/v1/renders?limit=0"), 400, "limit must be")
        check(try get(server, "/api/v1/renders?limit=5000"), 400, "limit must be")
        check(try get(server, "/api/v1/jobs?before=-1"), 400, "before must be")
        check(try get(server, "/api/v1/jobs?colour=red"), 400, "unknown parameter 'colour'")
        check(try get(server, "/api/v1/jobs/1/log?tail=x"), 400, "tail must be")
        check(try post(server, "/api/v1/jobs/9/kill"), 404, "no job 9")
        check(try post(server, "/api/v1/renders"), 405, "not allowed")
        check(try get(server, "/api/v1/nothing"), 404, "no such route")
        let big = String(repeating: "x", count: 100_000)
        check(try post(server, "/api/v1/jobs/1/kill", json: big), 413, "larger than 64 KB")
        XCTAssertEqual(try get(server, "/api/v1/renders").status, 200, "the server is still up")
    }

    func testTokenHostAndTraversalRules() throws {
        let server = try serve(["--address", "127.0.0.2", "--token", "s3cret"])
        XCTAssertTrue(waitFor(timeout: 10) { server.stderr.contains("#token=s3cret") }, server.stderr)
        XCTAssertEqual(try get(server, "/api/v1/renders").status, 401)
        XCTAssertEqual(try get(server, "/api/v1/renders", ["-H", "Authorization: Bearer wrong"]).status, 401)
        XCTAssertEqual(try get(server, "/api/v1/renders", ["-H", "Authorization: Bearer s3cret"]).status, 200)
        XCTAssertEqual(try get(server, "/api/v1/renders?token=s3cret").status, 200, "EventSource and <img> send it in the query")
        XCTAssertEqual(try get(server, "/api/v1/renders", ["-H", "Cookie: a=b; rscript_token=s3cret"]).status, 200)
        XCTAssertEqual(try get(server, "/metrics").status, 401)

        let loopback = try serve()
        let wrongHost = try get(loopback, "/api/v1/renders", ["-H", "Host: evil.example:80"])
        XCTAssertEqual(wrongHost.status, 400)
        XCTAssertTrue(wrongHost.text.contains("ALLOWED_HOSTS"), wrongHost.text)
        for path in ["/api/v1/renders/..%2F..%2F..%2Fetc%2Fpasswd/image", "/api/v1/renders/1/image/../../../../etc/passwd",
                     "/api/v1/renders/%2e%2e/image", "/api/v1/frames/1/chunks/..%2F/log"] {
            let exchange = try get(loopback, path, ["--path-as-is"])
            XCTAssertEqual(exchange.status, 404, "\(path): \(exchange.text)")
            XCTAssertFalse(exchange.text.contains("root:"), path)
        }
    }

    func testAnotherAddressWithoutATokenGetsARandomOne() throws {
        let server = try serve(["--address", "127.0.0.2"])
        XCTAssertTrue(waitFor(timeout: 10) { server.stderr.contains("#token=") }, server.stderr)
        let line = try XCTUnwrap(server.stderr.split(separator: "\n").first { $0.contains("#token=") }, server.stderr)
        let token = String(line.split(separator: "=").last ?? "")
        XCTAssertGreaterThan(token.count, 16)
        XCTAssertEqual(try get(server, "/api/v1/renders").status, 401)
        XCTAssertEqual(try get(server, "/api/v1/renders", ["-H", "Authorization: Bearer \(token)"]).status, 200)
    }

    // MARK: Description, metrics, studio handlers

    func testTheOpenAPIDocumentDescribesEveryRouteTheServerAnswers() throws {
        let server = try serve()
        let document = try get(server, "/api/v1/openapi.json")
        XCTAssertEqual(document.status, 200)
        XCTAssertEqual(document.json["openapi"] as? String, "3.0.3")
        let paths = try XCTUnwrap(document.json["paths"] as? [String: [String: Any]])
        for expected in ["/api/v1/renders", "/api/v1/renders/{id}", "/api/v1/renders/{id}/image", "/api/v1/jobs/{id}/kill",
                         "/api/v1/jobs/{id}/retry", "/api/v1/jobs/{id}/log", "/api/v1/frames", "/api/v1/frames/{id}",
                         "/api/v1/events", "/metrics"] {
            XCTAssertNotNil(paths[expected], "\(expected) is described")
        }
        var operationIDs: Set<String> = []
        for (path, operations) in paths {
            for (method, operation) in operations {
                let concrete = path.replacingOccurrences(of: "\\{[a-z]+\\}", with: "1", options: .regularExpression)
                var arguments = ["-X", method.uppercased(), "--max-time", "3"]
                if method == "post" { arguments += ["-H", "Content-Type: application/json", "--data-binary", "{}"] }
                if path == "/api/v1/events" { arguments += ["-o", "/dev/null"] }
                let exchange = try? HTTPExchange.curl(server.baseURL + concrete, arguments, timeout: 3)
                if let exchange {
                    XCTAssertNotEqual(exchange.status, 405, "\(method) \(path) is described but refused")
                    XCTAssertFalse(exchange.text.contains("no such route"), "\(method) \(path) is described but not routed")
                    let documented = ((operation as? [String: Any])?["responses"] as? [String: Any])?.keys.map { Int($0) ?? 0 } ?? []
                    XCTAssertTrue(documented.contains(exchange.status), "\(method) \(path) answered \(exchange.status), not described: \(documented)")
                }
                if let id = (operation as? [String: Any])?["operationId"] as? String {
                    XCTAssertTrue(operationIDs.insert(id).inserted, "operationId \(id) is unique")
                }
            }
        }
    }

    func testMetricsCountWhatTheDatabaseHolds() throws {
        try requirePOVRay()
        XCTAssertEqual(try render([Self.scenes + "/spheres.pov", "--renderer", "POV-Ray", "--res", "64x48"]).status, 0)
        let server = try serve()
        let tap = try EventTap(server.baseURL + "/api/v1/events")
        defer { tap.stop() }
        XCTAssertTrue(tap.wait(timeout: 10) { _ in tap.raw.contains("retry") })
        let metrics = try get(server, "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.headers["content-type"]?.hasPrefix("text/plain") ?? false)
        let text = metrics.text
        for line in ["rscript_renders{state=\"finished\"} 1.0", "rscript_jobs{state=\"QUEUED\"} 0.0",
                     "rscript_event_subscribers 1.0", "rscript_render_duration_seconds_count 1",
                     "# TYPE rscript_render_duration_seconds histogram", "rscript_active_processes 0.0"] {
            XCTAssertTrue(text.contains(line), "\(line) in:\n\(text)")
        }
    }

    func testAStudioScriptAddsItsHandlersBesideTheBuiltInRoutes() throws {
        let script = folder + "/studio.lua"
        try """
            local webServer = require("rscript.webserver")
            webServer.urlHandler("/studio/hello", function(request) return "<p>hello from the studio</p>" end)
            webServer.apiFunction("studio", "double", function(request, x) return { doubled = x * 2 } end, { arg_types = { x = "int" } })
            webServer.run(9999)  -- ignored: serve runs the server
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let server = try serve(["--script", script])
        XCTAssertTrue(waitFor(timeout: 10) { server.stderr.contains("calls webServer.run: ignored") }, server.stderr)
        XCTAssertEqual(try get(server, "/studio/hello").text, "<p>hello from the studio</p>")
        let api = try HTTPExchange.curl(server.baseURL + "/api", ["--data-urlencode", "cmd_function=studio.double", "--data-urlencode", "x=21"])
        XCTAssertEqual(api.json["doubled"] as? Int, 42, api.text)
        XCTAssertEqual(try get(server, "/api/v1/renders").status, 200, "the built-in routes are still there")
    }

    func testCtrlCStopsTheServerWithOpenEventStreams() throws {
        let server = try serve()
        let taps = try (0..<3).map { _ in try EventTap(server.baseURL + "/api/v1/events") }
        for tap in taps { XCTAssertTrue(tap.wait(timeout: 10) { _ in tap.raw.contains("retry") }) }
        let started = Date()
        server.stop(grace: 10)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the open streams do not hold the server: \(server.stderr)")
        for tap in taps { XCTAssertTrue(waitFor(timeout: 5) { !tap.isRunning }, "the stream ended") }
    }

    func testOpenStartsTheBrowserWithThePagesURL() throws {
        let opened = folder + "/opened.txt"
        let browser = folder + "/browser.sh"
        try "#!/bin/sh\necho \"$1\" > \(opened)\n".write(toFile: browser, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: browser)
        let server = try serve(["--open", "--token", "t0k"], environment: ["BROWSER": browser])
        XCTAssertTrue(waitFor(timeout: 10) { FileManager.default.fileExists(atPath: opened) }, server.stderr)
        XCTAssertTrue(waitFor(timeout: 5) {
            (try? String(contentsOfFile: opened, encoding: .utf8)) == "http://127.0.0.1:\(server.port)/#token=t0k\n"
        }, (try? String(contentsOfFile: opened, encoding: .utf8)) ?? "")
    }

    func testSubscribersThatLeaveGiveBackTheirPlace() throws {
        let server = try serve()
        let taps = try (0..<20).map { _ in try EventTap(server.baseURL + "/api/v1/events", maxTime: 4) }
        func subscribers() -> Int? {
            let metrics = (try? get(server, "/metrics").text) ?? ""
            return metrics.split(separator: "\n").first { $0.hasPrefix("rscript_event_subscribers ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) }
        }
        XCTAssertTrue(waitFor(timeout: 5) { subscribers() == 20 }, "\(subscribers() ?? -1)")
        XCTAssertTrue(waitFor(timeout: 10) { taps.allSatisfy { !$0.isRunning } }, "the clients left")
        // Two keep-alives (5 s apart) after they left, their streams are gone.
        XCTAssertTrue(waitFor(timeout: 20) { subscribers() == 0 }, "still counted: \(subscribers() ?? -1)")
    }

    // MARK: Helpers

    func check(_ exchange: HTTPExchange, _ status: Int, _ fragment: String, line: UInt = #line) {
        XCTAssertEqual(exchange.status, status, exchange.text, line: line)
        XCTAssertTrue((exchange.json["error"] as? String ?? "").contains(fragment), "\(exchange.text) lacks '\(fragment)'", line: line)
    }

    func waitFor(timeout: Double = 30, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    func luaString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
