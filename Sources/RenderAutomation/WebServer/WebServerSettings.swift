/// How `webServer.run{...}` asked the server to listen.
struct WebServerSettings: Sendable {
    /// Loopback by default, where Houdini binds every interface: a script's API runs code on
    /// the machine, so reaching it from elsewhere must be asked for (issue 11, §4).
    var address = "127.0.0.1"
    /// 0 picks a free port.
    var port = 8008
    /// More ports to listen on, beside `port` (Houdini's `ports`); 0 picks a free one.
    var extraPorts: [Int] = []
    var debug = false
    /// Whether the script registered WebSocket handlers before `run`: only then does the server
    /// take upgrades (hummingbird-websocket's channel closes a malformed request without the
    /// 400 that the plain HTTP/1 channel answers, and costs a little on every request).
    var webSockets = false
    /// Bodies above this are refused with 413.
    var maxRequestSize = 3 * 1024 * 1024 * 1024
    /// Uploaded files above this many bytes go to a temporary file, never whole into memory.
    var maxInMemoryUpload = 2_621_440
    /// The server's I/O threads (NIO event loops). Lua handlers all run on the script's loop.
    var threads = 4
    /// Requests handed to Lua and not yet answered; beyond this the server answers 503.
    var maxPendingRequests = 1000
    /// A path answered "hello" by Swift on the same server, never reaching Lua: the baseline of
    /// the web server's benchmark (`settings.BENCHMARK_SWIFT_ROUTE`; docs/benchmarks.md).
    var swiftBaselineRoute: String?
    /// Seconds a connection may sit idle (no request, or one half sent) before the server
    /// closes it, so idle clients cannot hold its sockets (nil: never).
    var idleTimeout: Double? = 60
    /// Seconds a handler has to answer before the client gets 504 (nil: no deadline).
    var requestTimeout: Double? = 60
    /// The host names and the token the Lua half checks for its handlers, for the built-in
    /// routes to check the same way.
    var security = WebSecurity()
    /// Routes answered in Swift before the Lua handlers (`rscript serve`'s API and page).
    var builtIn: (any BuiltInRoutes)?
}
