import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// `require("rscript.webserver")`: Houdini's `hou.webServer` for Lua scripts (issue 11).
///
/// Two halves. This Swift one starts and stops the Hummingbird server (`WebServer/`) and runs
/// each request as a task of the script's loop. The Lua one, `scripts/lib/rscript/webserver/
/// protocol.lua`, is the part a script sees: `run`, `urlHandler`, `apiFunction`, `Request`,
/// `Response` and the `/api` wire protocol, written in Lua because it is all Lua tables and
/// functions (and reads parameter names with `debug.getlocal`).
enum WebServerModule: RuntimeModule {
    static let name = "rscript.webserver"
    /// The Lua half, found on the library path.
    static let luaHalf = "rscript.webserver.protocol"

    static func open(in runtime: ScriptRuntime) {
        let state = runtime.state
        state.pushModule("webServer", functions: coreFunctions(runtime))
        let core = LuaTable(state: state, popping: state.L)
        do {
            guard let require = state.globalFunction("require") else {
                throw LuaScriptError("require is missing")
            }
            let install = try require.call(luaHalf, returning: LuaFunction.self)
            let module = try install.call(core, returning: LuaTable.self)
            module.push()
        } catch {
            // The Swift half still loads, so the failure is seen where the script uses it.
            runtime.errorReporter("rscript: \(name): cannot load its Lua half (\(luaHalf)): \(error)")
            core.push()
        }
    }

    /// The functions the Lua half builds on; those starting with `_` are not for scripts.
    private static func coreFunctions(_ runtime: ScriptRuntime) -> [(String, LuaFunctionBody)] {
        [
            ("_start", { [unowned runtime] call in
                let settings = try readSettings(call)
                guard !runtime.webServer.isRunning else {
                    throw LuaScriptError("webServer.OperationFailed: the web server is already running on port \(runtime.webServer.port.map(String.init) ?? "?")")
                }
                guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                    throw LuaScriptError("webServer.run: call it from a task (the script's main chunk, or a coroutine of one)")
                }
                runtime.webServer.start(settings, token: token)
                return call.suspend()
            }),
            ("_waitForShutdown", { [unowned runtime] call in
                guard runtime.webServer.isRunning else { return 0 }
                guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                    throw LuaScriptError("webServer.run: can only wait for the server inside a task")
                }
                runtime.webServer.whenStopped(token)
                return call.suspend()
            }),
            ("_setDispatcher", { [unowned runtime] call in
                runtime.webServer.dispatcher = try call.function(1)
                return 0
            }),
            ("_setWebSocketDispatcher", { [unowned runtime] call in
                runtime.webServer.webSocketDispatcher = try call.function(1)
                return 0
            }),
            // ws:accept(): only during `connect`, before its verdict is given.
            ("_wsAccept", { [unowned runtime] call in
                guard let connection = runtime.webServer.webSocket(try call.int(1)) else {
                    throw LuaScriptError("ws:accept: the connection is closed")
                }
                connection.accept()
                return 0
            }),
            // ws:send(data, binary): false once the connection has closed.
            ("_wsSend", { [unowned runtime] call in
                let bytes = try call.bytes(2)
                guard let connection = runtime.webServer.webSocket(try call.int(1)) else {
                    call.push(false)
                    return 1
                }
                if call.truthy(3) {
                    connection.send(.binary(bytes))
                } else if let text = String(validating: bytes, as: UTF8.self) {
                    connection.send(.text(text))
                } else {
                    throw LuaArgumentError(position: 1, "ws:send: the data is not UTF-8 text; send it with {binary = true}")
                }
                call.push(true)
                return 1
            }),
            ("_wsClose", { [unowned runtime] call in
                let code = try call.optionalInteger(2) ?? 1000
                guard (1000...4999).contains(code), ![1004, 1005, 1006, 1015].contains(code) else {
                    throw LuaArgumentError(position: 1, "ws:close: the code must be 1000-4999 and one a peer may send (not 1004-1006 or 1015)")
                }
                let reason = try call.optionalString(3) ?? ""
                guard reason.utf8.count <= 123 else {
                    throw LuaArgumentError(position: 2, "ws:close: the reason must be at most 123 bytes")
                }
                runtime.webServer.webSocket(try call.int(1))?.send(.close(code: UInt16(code), reason: reason))
                return 0
            }),
            ("serverPorts", { [unowned runtime] call in
                try call.push(.array(runtime.webServer.ports.map { .int(Int64($0)) }))
                return 1
            }),
            ("serverPort", { [unowned runtime] call in
                if let port = runtime.webServer.port { call.push(port) } else { call.pushNil() }
                return 1
            }),
            ("requestShutdown", { [unowned runtime] _ in
                runtime.webServer.requestShutdown()
                return 0
            }),
            ("_pendingRequests", { [unowned runtime] call in
                call.push(runtime.webServer.pendingRequests)
                return 1
            }),
            // The script's live tasks, for tests that check no request leaves a coroutine behind.
            ("_liveTasks", { [unowned runtime] call in
                call.push(runtime.scheduler.liveTasks.count)
                return 1
            }),
            // realpath(3): where a static file really is, symlinks followed (nil if missing).
            ("_realPath", { call in
                let path = try call.string(1)
                guard !path.utf8.contains(0), let resolved = realpath(path, nil) else {
                    call.pushNil()
                    return 1
                }
                defer { free(resolved) }
                call.push(String(cString: resolved))
                return 1
            }),
            ("isInDebugMode", { [unowned runtime] call in
                call.push(runtime.webServer.isInDebugMode)
                return 1
            }),
        ]
    }

    /// `_start{port=, address=, debug=, max_request_size=, max_num_threads=,
    /// max_pending_requests=}`, checked field by field.
    private static func readSettings(_ call: LuaCall) throws -> WebServerSettings {
        var settings = WebServerSettings()
        guard case .object(let fields) = try call.value(1) else {
            if case .array([]) = try call.value(1) { return settings }
            throw LuaArgumentError(position: 1, "expected a table of settings")
        }
        if let port = fields["port"], !port.isNil {
            guard let n = port.intValue, (0...65535).contains(n) else {
                throw LuaArgumentError(position: 1, "port must be an integer from 0 to 65535")
            }
            settings.port = Int(n)
        }
        if let extra = fields["ports"], !extra.isNil {
            let list: [LuaValue]
            switch extra {
            case .array(let items): list = items
            case .object(let items) where items.isEmpty: list = []
            default: throw LuaArgumentError(position: 1, "ports must be a list of port numbers")
            }
            settings.extraPorts = try list.map { item in
                guard let n = item.intValue, (0...65535).contains(n) else {
                    throw LuaArgumentError(position: 1, "ports must hold integers from 0 to 65535 (got \(item))")
                }
                return Int(n)
            }
        }
        if let address = fields["address"], !address.isNil {
            guard let s = address.stringValue, !s.isEmpty else { throw LuaArgumentError(position: 1, "address must be a string") }
            settings.address = s
        }
        if let token = fields["token"]?.stringValue, !token.isEmpty { settings.security.token = token }
        switch fields["allowed_hosts"] {
        case .array(let hosts)?:
            let names = hosts.compactMap { $0.stringValue?.lowercased() }
            settings.security.allowedHosts = names.contains("*") ? nil : Set(names)
        case .object(let hosts)? where hosts.isEmpty:
            settings.security.allowedHosts = []  // an empty list allows no host, as in Lua
        default:
            break
        }
        if let debug = fields["debug"] { settings.debug = debug.isTruthy }
        if let sockets = fields["web_sockets"] { settings.webSockets = sockets.isTruthy }
        if let route = fields["benchmark_swift_route"], !route.isNil {
            guard let path = route.stringValue, path.hasPrefix("/") else {
                throw LuaArgumentError(position: 1, "BENCHMARK_SWIFT_ROUTE must be a path starting with /")
            }
            settings.swiftBaselineRoute = path
        }
        if let size = fields["max_request_size"], !size.isNil {
            guard let n = size.intValue, n >= 0 else { throw LuaArgumentError(position: 1, "max_request_size must be a whole number of bytes") }
            settings.maxRequestSize = Int(n)
        }
        if let upload = fields["max_in_memory_file_upload_size"], !upload.isNil {
            guard let n = upload.intValue, n >= 0 else { throw LuaArgumentError(position: 1, "max_in_memory_file_upload_size must be a whole number of bytes") }
            settings.maxInMemoryUpload = Int(n)
        }
        if let threads = fields["max_num_threads"], !threads.isNil {
            guard let n = threads.intValue, (1...64).contains(n) else { throw LuaArgumentError(position: 1, "max_num_threads must be an integer from 1 to 64") }
            settings.threads = Int(n)
        }
        if let timeout = fields["request_timeout"], !timeout.isNil {
            guard let seconds = timeout.doubleValue, seconds >= 0, seconds < 1e9 else {
                throw LuaArgumentError(position: 1, "REQUEST_TIMEOUT must be a number of seconds (0: none)")
            }
            settings.requestTimeout = seconds == 0 ? nil : seconds
        }
        if let idle = fields["idle_timeout"], !idle.isNil {
            guard let seconds = idle.doubleValue, seconds >= 0, seconds < 1e9 else {
                throw LuaArgumentError(position: 1, "IDLE_TIMEOUT must be a number of seconds (0: none)")
            }
            settings.idleTimeout = seconds == 0 ? nil : seconds
        }
        if let pending = fields["max_pending_requests"], !pending.isNil {
            guard let n = pending.intValue, n >= 1 else { throw LuaArgumentError(position: 1, "MAX_PENDING_REQUESTS must be a positive integer") }
            settings.maxPendingRequests = Int(n)
        }
        return settings
    }
}
