import Foundation
import RScriptTesting
import XCTest

/// `rscript.webserver` against real Python clients (`requests`, `websocket-client`): the
/// clients a studio already has for Houdini's server, WebSockets, extra ports, the token rule
/// on an address other than 127.0.0.1, and a fuzz run of malformed requests.
final class WebServerClientTests: XCTestCase {
    private func startServer(settings: String = "{}") throws -> ServerProcess {
        try ServerProcess(script: PythonClient.folder + "/server.lua", arguments: [settings])
    }

    func testWebSocketEchoWithAPythonClient() throws {
        let server = try startServer()
        let seen = try PythonClient.run("ws_client.py", ["ws://127.0.0.1:\(server.port)"])
        XCTAssertEqual(seen["greeting"] as? String, "hello ana", "connect ran and could send at once")
        XCTAssertEqual(seen["text"] as? String, "text:abc")
        let binary = seen["binary"] as? [Any]
        XCTAssertEqual(binary?.first as? Int, 2, "binary in, binary out (opcode 2)")
        XCTAssertEqual((binary?.last as? [Int]).map { Array($0.prefix(2)) }, [0x62, 0x69], "\"binary:\" then the bytes")
        XCTAssertEqual(seen["bigEchoed"] as? Bool, true, "a 300 kB message (several frames) arrives whole")
        XCTAssertEqual(seen["order"] as? [String], ["text:fast", "text:slow"],
                       "a receive handler that sleeps suspends only itself")
        XCTAssertEqual(seen["closeCode"] as? Int, 4000, "ws:close sends its code")
        XCTAssertEqual(seen["closeReason"] as? String, "asked to")
        XCTAssertEqual(seen["refused"] as? Int, 400, "connect that does not accept refuses the upgrade")
        XCTAssertEqual(seen["unknown"] as? Int, 400, "a path with no WebSocket handler is not upgraded")
        XCTAssertEqual(seen["foreignOrigin"] as? Int, 400, "another site's page cannot open a socket")
        // Plain HTTP to a WebSocket path says what it wants.
        let plain = try HTTPExchange.curl(server.baseURL + "/echo")
        XCTAssertEqual(plain.status, 426)
        XCTAssertEqual(plain.headers["upgrade"], "websocket")
        // disconnect ran for the sockets that opened, and none is left.
        let deadline = Date().addingTimeInterval(5)
        while !server.stderr.contains("disconnect /echo 1000") && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(server.stderr.contains("disconnect /echo 1000"), server.stderr)
        let tasks = try HTTPExchange.curl(server.baseURL + "/tasks")
        XCTAssertEqual(tasks.json["live"] as? Int, 2, "the main chunk and this request: \(tasks.text)")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/stop").status, 200)
        XCTAssertTrue(server.waitForExit(timeout: 10), server.stderr)
    }

    func testPythonRequestsClientsOfTheAPIWorkUnchanged() throws {
        let server = try startServer()
        let seen = try PythonClient.run("api_client.py", [server.baseURL])
        let json = seen["json"] as? [Any]
        XCTAssertEqual(json?[0] as? Int, 200)
        XCTAssertEqual((json?[2] as? [String: Any])?["frames"] as? [Int], [1, 4, 7],
                       "positional and keyword arguments, by Lua parameter name")
        let form = seen["form"] as? [Any]
        XCTAssertEqual((form?[1] as? [String: Any])?["frames"] as? [Int], [2, 3, 4], "form strings converted by arg_types")
        let apiError = seen["apiError"] as? [Any]
        XCTAssertEqual(apiError?[0] as? Int, 422)
        XCTAssertEqual((apiError?[1] as? [String: Any])?["error"] as? String, "last comes before first")
        let missing = seen["missing"] as? [Any]
        XCTAssertEqual(missing?[0] as? Int, 400)
        XCTAssertTrue(((missing?[1] as? [String: Any])?["error"] as? String ?? "").contains("last"), "\(String(describing: missing))")
        XCTAssertEqual((seen["unknown"] as? [Any])?[0] as? Int, 404)
        let binary = seen["binary"] as? [Any]
        XCTAssertEqual(binary?[1] as? String, "application/octet-stream")
        XCTAssertEqual(binary?[2] as? [Int], [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
        let multipart = seen["multipart"] as? [Any]
        XCTAssertEqual(multipart?[0] as? Int, 200, "\(String(describing: multipart))")
        let upload = multipart?[1] as? [String: Any]
        XCTAssertEqual(upload?["name"] as? String, "shot010.blend")
        XCTAssertEqual(upload?["size"] as? Int, 5000)
        XCTAssertEqual(upload?["label"] as? String, "v2", "file parts and fields both bind to parameters")
    }

    func testExtraPortsAndHandlersLimitedToSomePorts() throws {
        let admin = try freePort()
        let server = try startServer(settings: "{extraPorts = {\(admin)}, adminPorts = {\(admin)}}")
        let main = server.baseURL, other = "http://127.0.0.1:\(admin)"
        XCTAssertTrue(server.stderr.contains("listening on http://127.0.0.1:\(admin)"), server.stderr)
        XCTAssertEqual(try HTTPExchange.curl(main + "/hello").text, "hello from \(server.port)")
        XCTAssertEqual(try HTTPExchange.curl(other + "/hello").text, "hello from \(admin)", "one server, both ports")
        XCTAssertEqual(try HTTPExchange.curl(other + "/admin").json["admin"] as? Int, admin)
        XCTAssertEqual(try HTTPExchange.curl(main + "/admin").status, 404, "ports= keeps a handler off the main port")
        let ping = ["-d", "cmd_function=admin.ping"]
        XCTAssertEqual(try HTTPExchange.curl(other + "/api", ping).text, "\"pong\"")
        XCTAssertEqual(try HTTPExchange.curl(main + "/api", ping).status, 404)
        XCTAssertEqual(try HTTPExchange.curl(main + "/stop").status, 200)
        XCTAssertTrue(server.waitForExit(timeout: 10), server.stderr)
        XCTAssertEqual(server.process.terminationStatus, 0, server.stderr)
    }

    /// 127.0.0.2 is not the default address, so it needs a token as any other address would;
    /// unlike 0.0.0.0, it is safe to open in a test.
    func testTheTokenRuleOnASecondLoopbackAddress() throws {
        let refused = try RScriptBinary.run(["run", PythonClient.folder + "/server.lua", "{ADDRESS = '127.0.0.2'}"],
                                            environment: ["RSCRIPT_WEB_TOKEN": ""])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("needs a token"), refused.stderr)

        let server = try startServer(settings: "{ADDRESS = '127.0.0.2', TOKEN = 's3cret'}")
        XCTAssertEqual(server.address, "127.0.0.2")
        let url = server.baseURL + "/hello"
        XCTAssertEqual(try HTTPExchange.curl(url).status, 401)
        XCTAssertEqual(try HTTPExchange.curl(url, ["-H", "Authorization: Bearer wrong"]).status, 401)
        let allowed = try HTTPExchange.curl(url, ["-H", "Authorization: Bearer s3cret"])
        XCTAssertEqual(allowed.status, 200)
        XCTAssertEqual(allowed.text, "hello from \(server.port)")
        XCTAssertNotEqual((try? HTTPExchange.curl("http://127.0.0.1:\(server.port)/hello").status) ?? 0, 200,
                          "it listens on 127.0.0.2 only")
        let api = try HTTPExchange.curl(server.baseURL + "/api", ["-d", "cmd_function=farm.frames&first=1&last=2"])
        XCTAssertEqual(api.status, 401, "/api is behind the token too")
    }

    func testTenThousandMalformedRequestsCrashNothingAndLeakNoTask() throws {
        let server = try startServer(settings: "{plainHTTP = true}")
        let stats = try PythonClient.run("fuzz_client.py", ["127.0.0.1", "\(server.port)", "10000", "7"], timeout: 300)
        XCTAssertTrue(server.process.isRunning, server.stderr)
        XCTAssertEqual(stats["refused"] as? Int, 0, "the server stayed up: \(stats)")
        XCTAssertEqual(stats["sent"] as? Int, 10000)
        let answered = stats["answered"] as? Int ?? 0
        XCTAssertGreaterThan(answered, 9000, "nearly every request got an HTTP answer: \(stats)")
        let statuses = stats["status"] as? [String: Int] ?? [:]
        XCTAssertNil(statuses["500"], "no malformed input reached a handler error: \(stats)")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/hello").status, 200)
        let tasks = try HTTPExchange.curl(server.baseURL + "/tasks")
        XCTAssertEqual(tasks.json["live"] as? Int, 2, "no request left a coroutine behind: \(tasks.text)")
        XCTAssertEqual(tasks.json["pending"] as? Int, 1, tasks.text)
    }

    /// With WebSockets on, malformed upgrades and requests crash nothing either (hummingbird-
    /// websocket closes some without an answer, so only survival and tasks are checked).
    func testMalformedRequestsToAServerWithWebSocketsCrashNothing() throws {
        let server = try startServer()
        let stats = try PythonClient.run("fuzz_client.py", ["127.0.0.1", "\(server.port)", "600", "11"], timeout: 300)
        XCTAssertTrue(server.process.isRunning, server.stderr)
        XCTAssertEqual(stats["refused"] as? Int, 0, "the server stayed up: \(stats)")
        XCTAssertEqual(try HTTPExchange.curl(server.baseURL + "/hello").status, 200)
        let deadline = Date().addingTimeInterval(10)
        var live = -1
        while Date() < deadline {
            live = try HTTPExchange.curl(server.baseURL + "/tasks").json["live"] as? Int ?? -1
            if live == 2 { break }
            usleep(100_000)
        }
        XCTAssertEqual(live, 2, "no request or socket left a coroutine behind")
    }

    /// A port nobody listens on now (bound and let go).
    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ServerError(message: "no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
