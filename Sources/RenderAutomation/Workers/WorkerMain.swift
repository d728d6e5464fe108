import CProcess
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// The worker process (`rscript worker`): one Lua state that serves the calls and jobs its
/// parent sends on fd 3, answering on fd 4. A task script is loaded once and serves every item
/// sent to this worker. The worker ends when its parent closes fd 3.
public final class WorkerMain {
    let runtime: ScriptRuntime
    let workerID: Int
    private var taskFunctions: [String: LuaFunction] = [:]
    private var clientTables: [String: LuaTable] = [:]
    /// The call each running task serves (calls may be queued several at a time).
    private var callOfTask: [ObjectIdentifier: Int64] = [:]
    private var channelOpen = true
    static let input: Int32 = 3
    static let output: Int32 = 4

    public init(workerID: Int) throws {
        var options = RuntimeOptions.fromEnvironment()
        options.handlesInterrupt = false
        runtime = try ScriptRuntime(options: options)
        self.workerID = workerID
        // A worker dies with its parent's group kill; Ctrl-C in a terminal goes to the parent.
        signal(SIGINT, SIG_IGN)
        // Line-buffered output, so `rscript jobs logs --follow` shows prints as they happen.
        rscript_line_buffer_stdout()
    }

    /// Serves until the parent closes the channel; returns the exit status.
    public func run() -> Int32 {
        guard fcntl(Self.input, F_GETFD) >= 0, fcntl(Self.output, F_GETFD) >= 0 else {
            StandardError.write("rscript worker: no channel on fd 3 and 4 (it is started by rscript itself)\n")
            return 2
        }
        send(.ready(pid: getpid()))
        startReader()
        runtime.scheduler.hold()  // the channel keeps the worker alive
        runtime.scheduler.run(until: { [unowned self] in !self.channelOpen && !self.runtime.scheduler.hasPendingWork })
        return 0
    }

    private func startReader() {
        let mailbox = runtime.scheduler.mailbox
        let context = Unmanaged.passRetained(ReaderContext(mailbox: mailbox)).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let context = Unmanaged<ReaderContext>.fromOpaque(raw!).takeRetainedValue()
            context.readLines()
            return nil
        }, context)
        pthread_detach(thread)
    }

    /// Reads lines from fd 3 on its own thread and posts them to the loop.
    final class ReaderContext: Sendable {
        let mailbox: Mailbox
        init(mailbox: Mailbox) { self.mailbox = mailbox }

        func readLines() {
            var partial: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(WorkerMain.input, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                for byte in buffer[0..<n] {
                    if byte == UInt8(ascii: "\n") {
                        let line = String(decoding: partial, as: UTF8.self)
                        partial.removeAll(keepingCapacity: true)
                        mailbox.post { scheduler in WorkerMain.current?.handle(line) }
                    } else {
                        partial.append(byte)
                    }
                }
            }
            mailbox.post { scheduler in WorkerMain.current?.channelClosed() }
        }
    }

    /// The worker of this process (one per process), for the posted closures.
    nonisolated(unsafe) public static var current: WorkerMain?

    private func channelClosed() {
        channelOpen = false
        runtime.scheduler.release()
    }

    private func handle(_ line: String) {
        guard let message = WorkerMessage(jsonText: line) else {
            StandardError.write("rscript worker: ignoring a malformed message: \(line.prefix(200))\n")
            return
        }
        switch message {
        case .call(let id, let script, let arguments): runCall(id: id, script: script, arguments: arguments)
        case .job(let id, let script, let data): runJob(id: id, script: script, data: data)
        default: break
        }
    }

    func send(_ message: WorkerMessage) {
        // A failed write means the parent is gone; the channel's EOF ends us.
        writeAll(Self.output, message.jsonText + "\n")
    }

    // MARK: Pool calls

    private func runCall(id: Int64, script: String, arguments: [JSONValue]) {
        let state = runtime.state
        let function: LuaFunction
        let client: LuaTable
        do {
            (function, client) = try taskFunction(script)
        } catch let error as LuaError {
            send(.failure(id: id, error: error.message, traceback: error.traceback))
            return
        } catch {
            send(.failure(id: id, error: "\(error)", traceback: nil))
            return
        }
        let task = runtime.scheduler.spawn(function, name: "task \(id)", onFinish: { [unowned self] result in
            self.finish(id: id, result)
        }) { L in
            try state.reserveStack(arguments.count + 1, on: L, for: "arguments to pass to a pool task")
            client.push(on: L)
            try state.push(values: arguments.map(\.luaValue), on: L, as: "arguments to pass to a pool task")
            return Int32(arguments.count + 1)
        }
        callOfTask[ObjectIdentifier(task)] = id
    }

    /// Loads a task script once: it must return a function. Each script gets one client table
    /// (`id`, `pid`, `state`, `progress`), kept between items.
    private func taskFunction(_ script: String) throws -> (LuaFunction, LuaTable) {
        if let function = taskFunctions[script], let client = clientTables[script] { return (function, client) }
        try addToSearchPath(Environment.directory(of: script))
        let chunk = try runtime.state.loadFile(script)
        let results = try chunk.callReturningFunction()
        guard let function = results else {
            throw LuaError(.runtime, "\(script): a task script must return a function(client, ...)")
        }
        let client = runtime.state.newTable()
        try client.rawSet("id", .int(Int64(workerID)))
        try client.rawSet("pid", .int(Int64(getpid())))
        try client.set("state", runtime.state.newTable())
        let progress = runtime.state.makeFunction("client:progress") { [unowned self] call in
            // client:progress(fraction [, message]): argument 1 is the client itself
            let fraction = try call.number(2)
            let message = try call.optionalString(3)
            guard let task = self.runtime.scheduler.currentTask, let id = self.callOfTask[ObjectIdentifier(task)] else {
                throw LuaScriptError("client:progress: called outside a task of this worker")
            }
            self.send(.progress(id: id, fraction: fraction, message: message))
            return 0
        }
        try client.set("progress", progress)
        taskFunctions[script] = function
        clientTables[script] = client
        return (function, client)
    }

    private func finish(id: Int64, _ result: Result<[LuaValue], LuaError>) {
        if let task = runtime.scheduler.currentTask { callOfTask[ObjectIdentifier(task)] = nil }
        switch result {
        case .success(let values):
            let value = values.first ?? .nil
            do {
                send(.result(id: id, value: value.isNil ? .null : try JSONValue(value)))
            } catch {
                send(.failure(id: id, error: "the task's result cannot be sent back: \(error)", traceback: nil))
            }
        case .failure(let error):
            send(.failure(id: id, error: error.message, traceback: error.traceback))
        }
    }

    /// `require` in a task or job script looks beside it first, as it does for `rscript run`.
    private var searchedDirectories: Set<String> = []

    /// Throws `LuaError` (`cannot add DIR to the module search path: ...`) when `package.path`
    /// cannot be changed (an earlier script replaced `package`): the script would otherwise run
    /// and fail later with a `module not found` that hides the cause.
    private func addToSearchPath(_ directory: String) throws {
        guard !searchedDirectories.contains(directory) else { return }
        let code = "local dir = ... package.path = dir .. '/?.lua;' .. dir .. '/?/init.lua;' .. package.path"
        do {
            try runtime.state.load(code, chunkName: "=search path").call(.string(directory))
        } catch let error as LuaError {
            throw LuaError(.runtime, "cannot add \(directory) to the module search path: \(error.message)")
        }
        searchedDirectories.insert(directory)
    }

    // MARK: Jobs (seed 003)

    private func runJob(id: Int64, script: String, data: JSONValue) {
        let state = runtime.state
        let chunk: LuaFunction
        do {
            try addToSearchPath(Environment.directory(of: script))
            chunk = try state.loadFile(script)
        } catch let error as LuaError {
            send(.failure(id: id, error: error.message, traceback: nil))
            return
        } catch {
            send(.failure(id: id, error: "\(error)", traceback: nil))
            return
        }
        do {
            try state.setGlobal("passed_data", data.luaValue)
        } catch {
            send(.failure(id: id, error: "passed_data: \((error as? LuaError)?.message ?? "\(error)")", traceback: nil))
            return
        }
        state.register("update_job_progress") { [unowned self] call in
            let fraction = try call.number(1)
            guard fraction.isFinite else { throw LuaArgumentError(position: 1, "a fraction between 0 and 1 expected") }
            self.send(.progress(id: id, fraction: min(1, max(0, fraction)), message: try call.optionalString(2)))
            return 0
        }
        runtime.scheduler.spawn(chunk, name: "job \(id)", onFinish: { [unowned self] result in
            switch result {
            case .success(let values) where !(values.first ?? .nil).isNil:
                self.finish(id: id, .success(values))
            case .success:
                // no return value: the seed's `python_data` global
                do {
                    self.finish(id: id, .success([try state.global("python_data")]))
                } catch {
                    // Data that cannot be sent (a function, nested too deeply) fails the job by
                    // name: never reported as a job that returned nothing.
                    let message = (error as? LuaError)?.message ?? "\(error)"
                    self.finish(id: id, .failure(LuaError(.runtime, "python_data: \(message)")))
                }
            case .failure:
                self.finish(id: id, result)
            }
        }) { _ in 0 }
    }
}
