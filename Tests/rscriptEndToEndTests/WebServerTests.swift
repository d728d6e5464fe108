import Foundation
import RScriptTesting
import XCTest

/// `rscript.webserver` through the real binary: `rscript run server.lua` on port 0, spoken to
/// with curl. Each test starts its own server.
final class WebServerTests: XCTestCase {
    private func startServer(_ script: String = WebServerScripts.features, arguments: [String] = [],
                             environment: [String: String] = [:]) throws -> ServerProcess {
        let path = try RScriptBinary.temporaryScript(script, name: "server.lua")
        return try ServerProcess(script: path, arguments: arguments, environment: environment)
    }

    private func api(_ server: ServerProcess, _ fields: [String]) throws -> HTTPExchange {
        try HTTPExchange.curl(server.baseURL + "/api", fields.flatMap { ["--data-urlencode", $0] })
    }

    func testListensOnLoopbackAndAnswersHandlers() throws {
        let server = try startServer()
        XCTAssertEqual(server.address, "127.0.0.1")
        XCTAssertGreaterThan(server.port, 0)
        let hello = try HTTPExchange.curl(server.baseURL + "/hello?name=bob")
        XCTAssertEqual(hello.status, 200)
        XCTAssertEqual(hello.text, "<p>hello bob</p>")
        XCTAssertEqual(hello.headers["content-type"], "text/html; charset=utf-8")
        let port = try HTTPExchange.curl(server.baseURL + "/port")
        XCTAssertEqual(port.json["port"] as? Int, server.port, "serverPort() is the bound port")
    }

    func testRequestMethods() throws {
        let server = try startServer()
        let echo = try HTTPExchange.curl(server.baseURL + "/echo?a=1&b=two%20words", [
            "-H", "X-Test: present", "-H", "Cookie: session=abc; theme=\"dark\"", "-d", "field=value+1&other=%3D",
        ])
        XCTAssertEqual(echo.status, 200, echo.text)
        let json = echo.json
        XCTAssertEqual(json["method"] as? String, "POST")
        XCTAssertEqual(json["path"] as? String, "/echo")
        XCTAssertEqual(json["pathWithQueryString"] as? String, "/echo?a=1&b=two%20words")
        XCTAssertEqual(json["queryString"] as? String, "a=1&b=two%20words")
        XCTAssertEqual(json["header"] as? String, "present", "headers() looks names up case-insensitively")
        XCTAssertEqual(json["cookies"] as? [String: String], ["session": "abc", "theme": "dark"])
        XCTAssertEqual(json["body"] as? String, "field=value+1&other=%3D")
        XCTAssertEqual(json["contentType"] as? String, "application/x-www-form-urlencoded")
        XCTAssertEqual(json["contentLength"] as? Int, 23)
        XCTAssertEqual(json["host"] as? String, "127.0.0.1:\(server.port)")
        XCTAssertEqual(json["clientAddress"] as? String, "127.0.0.1")
        XCTAssertEqual(json["isSecure"] as? Bool, false)
        XCTAssertEqual(json["isInDebugMode"] as? Bool, false)
        XCTAssertEqual(json["GET"] as? [String: String], ["a": "1", "b": "two words"])
        XCTAssertEqual(json["POST"] as? [String: String], ["field": "value 1", "other": "="])
    }

    func testResponsesRedirectsAndRouting() throws {
        let server = try startServer()
        let custom = try HTTPExchange.curl(server.baseURL + "/custom")
        XCTAssertEqual(custom.status, 201)
        XCTAssertEqual(custom.text, "created")
        XCTAssertEqual(custom.headers["x-custom"], "yes")
        XCTAssertEqual(custom.headers["content-type"], "text/plain")
        let prefix = try HTTPExchange.curl(server.baseURL + "/files/a/b.txt")
        XCTAssertEqual(prefix.status, 200)
        XCTAssertEqual(prefix.text, "file /files/a/b.txt")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/only-post", ["-d", ""]).text, "posted")
        let wrongMethod = try HTTPExchange.curl(server.baseURL + "/only-post")
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.headers["allow"], "POST")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/missing").status, 404)
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/no/such/route").status, 404)
        let moved = try HTTPExchange.curl(server.baseURL + "/moved")
        XCTAssertEqual(moved.status, 302)
        XCTAssertEqual(moved.headers["location"], "/hello")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/moved-for-good").status, 301)
        let html = try HTTPExchange.curl(server.baseURL + "/teapot")
        XCTAssertEqual(html.status, 418)
        XCTAssertTrue(html.text.contains("I am a &lt;teapot&gt;"), html.text)
        let json = try HTTPExchange.curl(server.baseURL + "/teapot", ["-H", "Accept: application/json"])
        XCTAssertEqual(json.status, 418)
        XCTAssertEqual(json.json["error"] as? String, "I am a <teapot>")
    }

    func testAPIBothEncodingsKeywordsByNameAndArgTypes() throws {
        let server = try startServer()
        let form = try api(server, ["cmd_function=test.add", "x=2", "y=0.5"])
        XCTAssertEqual(form.status, 200, form.text)
        XCTAssertEqual(form.headers["content-type"], "application/json")
        XCTAssertEqual(form.json["sum"] as? Double, 2.5)
        XCTAssertEqual(form.json["types"] as? [String], ["number", "number"])
        let encoded = try api(server, [#"json=["test.add", [1], {"y": 2}]"#])
        XCTAssertEqual(encoded.status, 200, encoded.text)
        XCTAssertEqual(encoded.json["sum"] as? Int, 3)
        let kinds = try api(server, ["cmd_function=test.kinds", "flag=true", #"data={"a":[1,2]}"#, "text=7"])
        XCTAssertEqual(kinds.status, 200, kinds.text)
        XCTAssertEqual(kinds.json["flag"] as? Bool, true)
        XCTAssertEqual((kinds.json["data"] as? [String: [Int]])?["a"], [1, 2])
        XCTAssertEqual(kinds.json["text"] as? String, "7")
        // Values that arrive typed, in the json= form, are left as they are.
        let typed = try api(server, [#"json=["test.kinds", [], {"flag": "yes", "data": 3, "text": 4}]"#])
        XCTAssertEqual(typed.json["flagType"] as? String, "string", typed.text)
        XCTAssertEqual(typed.json["data"] as? Int, 3)
        let defaults = try api(server, ["cmd_function=test.greet", "name=ann"])
        XCTAssertEqual(String(decoding: defaults.body, as: UTF8.self), #""hi ann""#)
        let response = try api(server, ["cmd_function=test.response"])
        XCTAssertEqual(response.status, 202)
        XCTAssertEqual(response.text, "made by hand")
    }

    func testAPIBinaryResultIsOctetStreamExactly() throws {
        let server = try startServer()
        let result = try api(server, ["cmd_function=test.bytes", "n=300"])
        XCTAssertEqual(result.status, 200)
        XCTAssertEqual(result.headers["content-type"], "application/octet-stream")
        XCTAssertEqual([UInt8](result.body), (0..<300).map { UInt8($0 % 256) })
    }

    func testAPIErrorsGiveTheirStatusAndNameTheProblem() throws {
        let server = try startServer()
        func check(_ fields: [String], _ status: Int, _ fragment: String, line: UInt = #line) throws {
            let result = try api(server, fields)
            XCTAssertEqual(result.status, status, result.text, line: line)
            XCTAssertEqual(result.headers["content-type"], "application/json", line: line)
            let message = result.json["error"] as? String ?? ""
            XCTAssertTrue(message.contains(fragment), "\(message) lacks \(fragment)", line: line)
            XCTAssertNil(result.json["traceback"], "no traceback outside debug mode", line: line)
        }
        try check(["cmd_function=test.refuse"], 422, "refused on purpose")
        try check(["cmd_function=test.conflict"], 409, "taken")
        try check(["cmd_function=test.crash"], 500, "crashed on purpose")
        try check(["cmd_function=test.unknown"], 404, "test.unknown")
        try check(["json=[\"test.add\", [1"], 400, "json field")
        try check(["json={\"a\": 1}"], 400, "json field must be")
        try check(["cmd_function=test.add", "x=1"], 400, "missing 1 required argument(s): 'y'")
        try check(["cmd_function=test.add", "x=1", "y=2", "z=3"], 400, "unexpected keyword argument 'z'")
        try check(["cmd_function=test.add", "x=one", "y=2"], 400, "argument 'x' must be int")
        try check([#"json=["test.add", [1, 2, 3]]"#], 400, "takes 2 positional argument(s) but 3 were given")
        try check([#"json=["test.add", [1], {"x": 2}]"#], 400, "multiple values for argument 'x'")
        try check(["nothing=here"], 400, "names no function")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/api").status, 405)
        let multipart = try HTTPExchange.curl(server.baseURL + "/api", ["-F", "cmd_function=test.add"])
        XCTAssertEqual(multipart.status, 400)
        XCTAssertTrue(server.stderr.contains("crashed on purpose"), "errors are logged: \(server.stderr)")
        // The server is still there after all of that.
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/hello").status, 200)
    }

    func testHandlerErrorsAre500AndOnlyDebugShowsTheTraceback() throws {
        let server = try startServer()
        let plain = try HTTPExchange.curl(server.baseURL + "/fail")
        XCTAssertEqual(plain.status, 500)
        XCTAssertTrue((plain.json["error"] as? String ?? "").contains("handler failed on purpose"), plain.text)
        XCTAssertNil(plain.json["traceback"])
        let nothing = try HTTPExchange.curl(server.baseURL + "/nothing")
        XCTAssertEqual(nothing.status, 500)
        XCTAssertTrue((nothing.json["error"] as? String ?? "").contains("returned nil"), nothing.text)
        server.stop()

        let debug = try startServer(arguments: ["debug"])
        let traced = try HTTPExchange.curl(debug.baseURL + "/fail")
        XCTAssertEqual(traced.status, 500)
        XCTAssertTrue((traced.json["traceback"] as? String ?? "").contains("stack traceback"), traced.text)
        let echo = try HTTPExchange.curl(debug.baseURL + "/echo")
        XCTAssertEqual(echo.json["isInDebugMode"] as? Bool, true)
    }

    func testSleepingHandlersSuspendOnlyThemselves() throws {
        let server = try startServer()
        let urls = (0..<20).map { server.baseURL + ($0 % 2 == 0 ? "/sleep" : "/fast") }
        let statuses = LockedStatuses()
        let start = Date()
        // One thread per client: a pool the size of the machine would send them two at a time.
        let group = DispatchGroup()
        for url in urls {
            group.enter()
            Thread.detachNewThread {
                statuses.add((try? HTTPExchange.curl(url).status) ?? -1)
                group.leave()
            }
        }
        group.wait()
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(statuses.all.sorted(), Array(repeating: 200, count: 20))
        XCTAssertLessThan(elapsed, 3.0, "10 one-second sleeps ran one after another (\(elapsed) s)")
        XCTAssertGreaterThanOrEqual(elapsed, 0.9)
    }

    func testRequestShutdownFinishesOpenRequestsThenRunReturns() throws {
        let server = try startServer()
        let slow = LockedStatuses()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            slow.add((try? HTTPExchange.curl(server.baseURL + "/sleep").status) ?? -1)
        }
        usleep(300_000)
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/stop").text, "stopping")
        group.wait()
        XCTAssertEqual(slow.all, [200], "the request open at the shutdown is answered")
        XCTAssertTrue(server.waitForExit(timeout: 10), "the script ends once run returns")
        XCTAssertEqual(server.process.terminationStatus, 0, server.stderr)
    }

    func testInBackgroundReturnsAndTheLoopKeepsServing() throws {
        let server = try startServer(WebServerScripts.background)
        let deadline = Date().addingTimeInterval(5)
        while !server.stderr.contains("run returned with port \(server.port)") && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(server.stderr.contains("run returned with port \(server.port)"), server.stderr)
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/ping").text, "pong")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/stop").status, 200)
        XCTAssertTrue(server.waitForExit(timeout: 10))
        XCTAssertEqual(server.process.terminationStatus, 0, server.stderr)
    }

    func testCtrlCStopsTheServer() throws {
        let server = try startServer()
        kill(server.process.processIdentifier, SIGINT)
        XCTAssertTrue(server.waitForExit(timeout: 10), "Ctrl-C ends a server waiting in run")
        XCTAssertEqual(server.process.terminationStatus, 130)
    }

    func testBusyPortRaisesOperationFailed() throws {
        let first = try startServer()
        let script = try RScriptBinary.temporaryScript("""
            local webServer = require("rscript.webserver")
            local ok, e = pcall(webServer.run, { port = \(first.port) })
            assert(not ok and getmetatable(e) == webServer.OperationFailed, tostring(e))
            print(tostring(e))
            """)
        let result = try RScriptBinary.run(["run", script])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("webServer.OperationFailed"), result.stdout)
        XCTAssertTrue(result.stdout.contains("port \(first.port)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Address already in use"), result.stdout)
        // Uncaught, it fails the script with the same message.
        let uncaught = try RScriptBinary.run(["-e", "require('rscript.webserver').run(\(first.port))"])
        XCTAssertEqual(uncaught.status, 1)
        XCTAssertTrue(uncaught.stderr.contains("webServer.OperationFailed"), uncaught.stderr)
    }

    func testTokenRuleAndBodyLimit() throws {
        let refused = try RScriptBinary.run(["-e", "require('rscript.webserver').run{port = 0, settings = {ADDRESS = '0.0.0.0'}}"],
                                            environment: ["RSCRIPT_WEB_TOKEN": ""])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("needs a token"), refused.stderr)

        let server = try startServer(environment: ["TEST_TOKEN": "s3cret"])
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/hello").status, 401)
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/hello", ["-H", "Authorization: Bearer wrong"]).status, 401)
        let allowed = try HTTPExchange.curl(server.baseURL + "/hello", ["-H", "Authorization: Bearer s3cret"])
        XCTAssertEqual(allowed.status, 200)
        let big = try HTTPExchange.curl(server.baseURL + "/echo", ["-H", "Authorization: Bearer s3cret",
                                                                 "--data-binary", String(repeating: "x", count: 10_000)])
        XCTAssertEqual(big.status, 413, "max_request_size is 4096 in the test server")
    }

    func testMalformedRequestsGetAnAnswerAndCrashNothing() throws {
        let server = try startServer()
        let garbage = [
            "GARBAGE\r\n\r\n",
            "GET / HTTP/9.9\r\n\r\n",
            "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
            "POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab",  // a body cut short
            "GET /hello HTTP/1.1\r\nBad Header Line\r\n\r\n",
            "\u{0}\u{1}\u{2}\r\n\r\n",
        ]
        for request in garbage {
            let port = server.port
            let reply = try sendRaw(request, port: port)
            XCTAssertFalse(reply.contains("HTTP/1.1 200"), "\(request.debugDescription) got \(reply)")
        }
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/hello").status, 200, server.stderr)
        XCTAssertEqual(try api(server, ["json=\u{1}\u{2}"]).status, 400)
        XCTAssertEqual(try api(server, ["json=[\"test.add\", 5, 6]"]).status, 400)
        XCTAssertEqual(try api(server, ["json=[null]"]).status, 400)
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/api", ["-H", "Content-Type: application/json", "-d", "{}"]).status, 400)
        XCTAssertTrue(server.process.isRunning)
        // No request left a coroutine behind: the main chunk (waiting in run) and this request.
        let tasks = try HTTPExchange.curl(server.baseURL + "/tasks")
        XCTAssertEqual(tasks.json["live"] as? Int, 2, tasks.text)
        XCTAssertEqual(tasks.json["pending"] as? Int, 1, tasks.text)
    }

    func testAllowedHostsAndCORSWhitelist() throws {
        let server = try startServer()
        let rebound = try HTTPExchange.curl(server.baseURL + "/hello", ["-H", "Host: attacker.example"])
        XCTAssertEqual(rebound.status, 400, "a Host not in ALLOWED_HOSTS is refused")
        XCTAssertTrue((rebound.json["error"] as? String ?? "").contains("ALLOWED_HOSTS"), rebound.text)
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/hello", ["-H", "Host: localhost:\(server.port)"]).status, 200)

        let allowed = try HTTPExchange.curl(server.baseURL + "/hello", ["-H", "Origin: http://allowed.example"])
        XCTAssertEqual(allowed.headers["access-control-allow-origin"], "http://allowed.example")
        let other = try HTTPExchange.curl(server.baseURL + "/hello", ["-H", "Origin: http://other.example"])
        XCTAssertEqual(other.status, 200)
        XCTAssertNil(other.headers["access-control-allow-origin"], "CORS follows the whitelist only")
        let preflight = try HTTPExchange.curl(server.baseURL + "/api", [
            "-X", "OPTIONS", "-H", "Origin: http://allowed.example", "-H", "Access-Control-Request-Method: POST",
        ])
        XCTAssertEqual(preflight.status, 204)
        XCTAssertEqual(preflight.headers["access-control-allow-origin"], "http://allowed.example")
    }

    func testRequestTimeoutGives504AndTheServerGoesOn() throws {
        let server = try startServer(environment: ["TEST_TIMEOUT": "0.5"])
        let start = Date()
        let late = try HTTPExchange.curl(server.baseURL + "/api", ["-d", "cmd_function=test.slow&seconds=3"])
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(late.status, 504, late.text)
        XCTAssertTrue((late.json["error"] as? String ?? "").contains("REQUEST_TIMEOUT"), late.text)
        XCTAssertLessThan(elapsed, 2.5, "the 504 comes at the deadline, not when the handler ends")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/fast").status, 200)
        // A handler that loops and swallows errors is ended at the deadline too; the state goes on.
        let spin = try HTTPExchange.curl(server.baseURL + "/spin")
        XCTAssertEqual(spin.status, 504, spin.text)
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/fast").status, 200, "the state stays usable")
        // The slow handler was ended at its deadline, not left to finish its sleep.
        Thread.sleep(forTimeInterval: 3)
        let ended = try HTTPExchange.curl(server.baseURL + "/ended").json
        XCTAssertEqual(ended["slowFinished"] as? Int, 0, "the handler that ran past its deadline was stopped")
        XCTAssertEqual(ended["pending"] as? Int, 1, "only the request asking is in progress")
        XCTAssertTrue(server.stderr.contains("was stopped: "), server.stderr)
    }

    func testOverloadGives503NotAHang() throws {
        let server = try startServer(environment: ["TEST_MAX_PENDING": "3"])
        let statuses = LockedStatuses()
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                // 3 s: long enough that every client arrives while the first three still wait.
                let slow = try? HTTPExchange.curl(server.baseURL + "/api", ["-d", "cmd_function=test.slow&seconds=3"])
                statuses.add(slow?.status ?? -1)
                group.leave()
            }
        }
        group.wait()
        let all = statuses.all
        XCTAssertEqual(all.filter { $0 == 200 }.count, 3, "\(all)")
        XCTAssertEqual(all.filter { $0 == 503 }.count, 5, "\(all)")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/fast").status, 200, "the server recovers")
    }

    func testUploadsInMemoryAndOnDiskAndRemovedAfterTheRequest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rscript-uploads-\(UUID().uuidString)")
        let saved = dir.appendingPathComponent("saved")
        try FileManager.default.createDirectory(at: saved, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = Data((0..<500).map { UInt8($0 % 251) })
        let large = Data((0..<50_000).map { UInt8(($0 * 7) % 256) })
        try small.write(to: dir.appendingPathComponent("small.bin"))
        try large.write(to: dir.appendingPathComponent("large.bin"))
        let server = try startServer(WebServerScripts.uploads, arguments: [saved.path])
        let upload = try HTTPExchange.curl(server.baseURL + "/upload", [
            "-F", "title=two files", "-F", "small=@\(dir.path)/small.bin", "-F", "large=@\(dir.path)/large.bin",
        ])
        XCTAssertEqual(upload.status, 200, upload.text)
        XCTAssertEqual(upload.json["fields"] as? [String: String], ["title": "two files"])
        let files = upload.json["files"] as? [String: [String: Any]] ?? [:]
        XCTAssertEqual(files["small"]?["name"] as? String, "small.bin")
        XCTAssertEqual(files["small"]?["size"] as? Int, 500)
        XCTAssertEqual(files["small"]?["inMemory"] as? Bool, true)
        XCTAssertEqual(files["large"]?["size"] as? Int, 50_000)
        XCTAssertEqual(files["large"]?["inMemory"] as? Bool, false, "above max_in_memory_file_upload_size")
        XCTAssertEqual(files["large"]?["onDisk"] as? Bool, true)
        XCTAssertEqual(files["large"]?["content"] as? Int, 50_000)
        XCTAssertEqual(FileManager.default.contents(atPath: saved.appendingPathComponent("small").path), small)
        XCTAssertEqual(FileManager.default.contents(atPath: saved.appendingPathComponent("large").path), large)
        let temporary = files["large"]?["path"] as? String ?? ""
        XCTAssertFalse(temporary.isEmpty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary), "the temporary file is removed when the request ends")

        let call = try HTTPExchange.curl(server.baseURL + "/api", [
            "-F", "cmd_function=files.describe", "-F", "label=x", "-F", "upload=@\(dir.path)/large.bin",
        ])
        XCTAssertEqual(call.status, 200, call.text)
        XCTAssertEqual(call.json["label"] as? String, "x")
        XCTAssertEqual(call.json["name"] as? String, "large.bin", "a file part is the argument named by its field")
        XCTAssertEqual(call.json["size"] as? Int, 50_000)

        for (contentType, body) in [
            ("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc"),
            ("multipart/form-data", "x"),
            ("multipart/form-data; boundary=XX", "garbage"),
        ] {
            let bad = try HTTPExchange.curl(server.baseURL + "/upload", ["-H", "Content-Type: \(contentType)", "--data-binary", body])
            XCTAssertEqual(bad.status, 400, "\(contentType) \(body.debugDescription): \(bad.text)")
            XCTAssertTrue((bad.json["error"] as? String ?? "").contains("multipart"), bad.text)
        }
    }

    func testALargeUploadIsNotHeldInMemory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rscript-uploads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // 200 MB through the release build (tools/test.sh builds it and sets RSCRIPT_RELEASE_BIN);
        // 32 MB through a debug build alone, whose multipart parser reads about 1.5 MB/s
        // (unoptimized generic byte loops). Either way RSS must not follow the size.
        let release = ProcessInfo.processInfo.environment["RSCRIPT_RELEASE_BIN"].flatMap { $0.isEmpty ? nil : $0 }
        let size = (release == nil ? 32 : 200) * 1024 * 1024
        let file = dir.appendingPathComponent("huge.bin").path
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: nil))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: file))
        try handle.truncate(atOffset: UInt64(size))  // sparse: all zeros
        try handle.close()
        let script = try RScriptBinary.temporaryScript(WebServerScripts.uploads, name: "server.lua")
        let server = try ServerProcess(script: script, arguments: [dir.path], executable: release)
        let before = try peakRSS(of: server.process.processIdentifier)
        let upload = try HTTPExchange.curl(server.baseURL + "/upload", ["-F", "huge=@\(file)"], timeout: 120)
        XCTAssertEqual(upload.status, 200, upload.text)
        XCTAssertEqual((upload.json["files"] as? [String: [String: Any]])?["huge"]?["size"] as? Int, size)
        let after = try peakRSS(of: server.process.processIdentifier)
        XCTAssertLessThan(after - before, size / 2, "the server's peak RSS grew by \(after - before) bytes for a \(size)-byte upload")
    }

    func testFileResponsesRangesAndStaticFilesWithTraversalAttempts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rscript-files-\(UUID().uuidString)")
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("static/sub"), withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let report = String(repeating: "0123456789", count: 30_000)  // 300 KB: several chunks
        try report.write(to: dir.appendingPathComponent("report.txt"), atomically: true, encoding: .utf8)
        try "once".write(to: dir.appendingPathComponent("once.txt"), atomically: true, encoding: .utf8)
        try "TOP-SECRET-CONTENT".write(to: dir.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try "<p>page</p>".write(to: dir.appendingPathComponent("static/index.html"), atomically: true, encoding: .utf8)
        try "nested".write(to: dir.appendingPathComponent("static/sub/n.txt"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("static/leak.txt").path, withDestinationPath: dir.appendingPathComponent("secret.txt").path)
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("static/inside.txt").path, withDestinationPath: "sub/n.txt")
        let server = try startServer(environment: ["TEST_FILES": dir.path])

        let whole = try HTTPExchange.curl(server.baseURL + "/download")
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.text, report)
        XCTAssertEqual(whole.headers["content-type"], "text/plain")
        XCTAssertEqual(whole.headers["content-disposition"], #"attachment; filename="report.txt""#)
        XCTAssertEqual(whole.headers["accept-ranges"], "bytes")
        let part = try HTTPExchange.curl(server.baseURL + "/download", ["-H", "Range: bytes=10-14"])
        XCTAssertEqual(part.status, 206)
        XCTAssertEqual(part.text, "01234")
        XCTAssertEqual(part.headers["content-range"], "bytes 10-14/300000")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/download", ["-H", "Range: bytes=-3"]).text, "789")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/download", ["-H", "Range: bytes=400000-"]).status, 416)

        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/once").text, "once")
        XCTAssertFalse(fm.fileExists(atPath: dir.appendingPathComponent("once.txt").path), "delete_file removes it")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/once").status, 404)

        let page = try HTTPExchange.curl(server.baseURL + "/static/index.html")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.text, "<p>page</p>")
        XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/static/sub/n.txt").text, "nested")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/static/inside.txt").text, "nested", "a symlink within the folder is served")
        for attempt in ["/static/leak.txt", "/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/sub/..%2f..%2fsecret.txt",
                        "/static/sub", "/static/", "/static/missing.txt", "/static/%00"] {
            let refused = try HTTPExchange.curl(server.baseURL + attempt, ["--path-as-is"])
            XCTAssertEqual(refused.status, 404, "\(attempt): \(refused.text)")
            XCTAssertFalse(refused.text.contains("TOP-SECRET-CONTENT"), attempt)
        }
    }

    /// VmHWM, the peak resident size, in bytes.
    private func peakRSS(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kilobytes = try XCTUnwrap(Int(line.split(separator: " ").dropFirst().first ?? ""))
        return kilobytes * 1024
    }

    /// Sends `text` on a fresh connection and returns what came back within a second.
    private func sendRaw(_ text: String, port: Int) throws -> String {
        let python = """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", \(port)))
            s.settimeout(1.0)
            s.sendall(sys.stdin.buffer.read())
            s.shutdown(socket.SHUT_WR)
            out = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk: break
                    out += chunk
            except socket.timeout:
                pass
            sys.stdout.buffer.write(out)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", python]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

private final class LockedStatuses: @unchecked Sendable {  // `values` is guarded by `lock`
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ status: Int) { lock.lock(); values.append(status); lock.unlock() }
    var all: [Int] { lock.lock(); defer { lock.unlock() }; return values }
}
