import CProcess
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// The processes one runtime started, seen from its loop thread: keeps the loop alive while
/// they run, wakes the tasks waiting on them, remembers which task started each (a render's
/// processes are those its task started), and kills what is left when the runtime stops.
public final class ProcessRegistry {
    unowned let runtime: ScriptRuntime
    private var records: [ObjectIdentifier: Record] = [:]
    private var nextLogNumber = 1
    /// Told of every exit, on the loop thread, with the task that started the process.
    public var exitListeners: [(ManagedProcess, LuaScheduler.Task?) -> Void] = []
    /// Told of every spawn, on the loop thread, with the task that started the process.
    public var spawnListeners: [(ManagedProcess, LuaScheduler.Task?) -> Void] = []

    final class Record {
        let process: ManagedProcess
        weak var owner: LuaScheduler.Task?
        /// Whether this process keeps the loop alive while it runs (idle pool workers do not).
        var holdsLoop = true
        var waiters: [(LuaScheduler.WakeToken, timer: Int?)] = []
        var killTimer: Int?
        /// Its message channel, when spawned with one through `process.spawn`.
        var channel: ProcessChannel?
        /// Spawned by a script with `keepAlive = false`: killed when the script ends.
        var detached = false
        init(process: ManagedProcess, owner: LuaScheduler.Task?) {
            self.process = process
            self.owner = owner
        }
    }

    init(runtime: ScriptRuntime) {
        self.runtime = runtime
        runtime.onStop { [unowned self] in self.killAll() }
    }

    private var usedLogDirectory = false

    /// Removes the default log folder (logs nobody asked to keep) when the runtime is done.
    public func removeDefaultLogs() {
        guard usedLogDirectory, records.isEmpty else { return }
        let dir = logDirectory
        if let handle = opendir(dir) {
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name != "." && name != ".." { unlink(dir + "/" + name) }
            }
            closedir(handle)
        }
        rmdir(dir)
    }

    /// Folder for default log files: `$TMPDIR/rscript-<pid>/`.
    public let logDirectory: String = "\(Environment.get("TMPDIR") ?? "/tmp")/rscript-\(getpid())"

    /// Makes `logDirectory` (once). Throws `SpawnError` with the folder and the system's
    /// reason when it cannot be made, so a spawn fails saying why rather than with a log file
    /// that cannot be opened.
    private func makeLogDirectory() throws {
        guard !madeLogDirectory else { return }
        if mkdir(logDirectory, 0o755) != 0 {
            let code = errno
            guard code == EEXIST, Environment.isDirectory(logDirectory) else {
                throw ProcessSupervisor.SpawnError(description: "cannot create the log folder \(logDirectory): \(String(cString: strerror(code)))")
            }
        }
        madeLogDirectory = true
    }

    private var madeLogDirectory = false

    /// Starts `spec`. While it runs it keeps the loop alive, unless `keepsLoopAlive` is false
    /// (pool workers: their pool holds the loop while it has work, and idle workers must not
    /// keep a finished script running).
    func spawn(_ spec: SpawnSpec, channel: Bool = false, keepsLoopAlive: Bool = true,
               onMessage: (@Sendable (String) -> Void)? = nil) throws -> ManagedProcess {
        try spawn(spec, channel: channel, keepsLoopAlive: keepsLoopAlive, onMessage: onMessage, messages: nil)
    }

    /// Starts `spec` for `process.spawn`: with `spec.channel`, its messages go to the returned
    /// `ProcessChannel` (for `Process:receive`); `spec.keepAlive` false lets the script end while
    /// it runs idle.
    func spawnForScript(_ spec: SpawnSpec) throws -> (ManagedProcess, ProcessChannel?) {
        let messages = spec.channel ? ProcessChannel(scheduler: runtime.scheduler) : nil
        let process = try spawn(spec, channel: spec.channel, keepsLoopAlive: spec.keepAlive,
                                onMessage: messages?.receiver(mailbox: runtime.scheduler.mailbox), messages: messages)
        if !spec.keepAlive { records[ObjectIdentifier(process)]?.detached = true }
        return (process, messages)
    }

    /// Kills the process groups a script spawned with `keepAlive = false` and left running (a
    /// persistent server nobody closed) once the script is done.
    public func killDetached() {
        for record in records.values where record.detached { record.process.signalGroup(SIGKILL) }
    }

    /// Delivers the lines waiting in a channel's inbox (posted by the I/O thread).
    func deliverChannel(_ id: ObjectIdentifier) {
        channels[id]?.deliver()
    }

    private var channels: [ObjectIdentifier: ProcessChannel] = [:]

    private func spawn(_ spec: SpawnSpec, channel: Bool, keepsLoopAlive: Bool,
                       onMessage: (@Sendable (String) -> Void)?, messages: ProcessChannel?) throws -> ManagedProcess {
        var environment: [String]?
        if !spec.environment.isEmpty {
            var merged: [String: String] = [:]
            var order: [String] = []
            var p = rscript_environ()
            while let entry = p?.pointee {
                let text = String(cString: entry)
                if let eq = text.firstIndex(of: "=") {
                    let key = String(text[..<eq])
                    if merged[key] == nil { order.append(key) }
                    merged[key] = String(text[text.index(after: eq)...])
                }
                p = p?.advanced(by: 1)
            }
            for (key, value) in spec.environment {
                if let value {
                    if merged[key] == nil { order.append(key) }
                    merged[key] = value
                } else {
                    merged[key] = nil
                }
            }
            environment = order.compactMap { key in merged[key].map { "\(key)=\($0)" } }
        }
        if spec.logPath == nil {
            try makeLogDirectory()
            usedLogDirectory = true
        }
        let logPath = spec.logPath ?? "\(logDirectory)/\(nextLogNumber)-\(sanitize(spec.command[0])).log"
        nextLogNumber += 1
        let process = try ProcessSupervisor.shared.spawn(
            spec.command, environment: environment, directory: spec.directory, logPath: logPath,
            channel: channel, onMessage: onMessage)
        let record = Record(process: process, owner: runtime.scheduler.currentTask)
        record.holdsLoop = keepsLoopAlive
        if let messages {
            record.channel = messages
            channels[ObjectIdentifier(messages)] = messages
        }
        records[ObjectIdentifier(process)] = record
        if keepsLoopAlive { runtime.scheduler.hold() }
        for listener in spawnListeners { listener(process, record.owner) }
        let mailbox = runtime.scheduler.mailbox
        process.onExit { _ in
            mailbox.post { scheduler in
                ScriptRuntime.of(scheduler.state)?.processes.exited(process)
            }
        }
        return process
    }

    private func sanitize(_ command: String) -> String {
        let base = command.split(separator: "/").last.map(String.init) ?? "process"
        return String(base.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(40))
    }

    private func exited(_ process: ManagedProcess) {
        guard let record = records.removeValue(forKey: ObjectIdentifier(process)) else { return }
        if record.holdsLoop { runtime.scheduler.release() }
        if let channel = record.channel {
            channels[ObjectIdentifier(channel)] = nil
            channel.end()
        }
        if let killTimer = record.killTimer { runtime.scheduler.cancelTimer(killTimer) }
        let code = LuaValue.int(Int64(process.exitStatus?.code ?? -1))
        for (token, timer) in record.waiters {
            if let timer { runtime.scheduler.cancelTimer(timer) }
            if !record.holdsLoop { runtime.scheduler.release() }
            runtime.scheduler.resolve(token, with: [code])
        }
        for listener in exitListeners { listener(process, record.owner) }
    }

    /// Resolves `token` with the exit code when `process` exits, or with nil after `timeout`.
    func whenExited(_ process: ManagedProcess, token: LuaScheduler.WakeToken, timeout: Double?) {
        guard let record = records[ObjectIdentifier(process)] else {
            runtime.scheduler.resolve(token, with: [.int(Int64(process.exitStatus?.code ?? -1))])
            return
        }
        var timer: Int?
        if let timeout {
            timer = runtime.scheduler.after(timeout) { [unowned self, weak record] in
                guard self.runtime.scheduler.resolve(token, with: [.nil]), let record else { return }
                record.waiters.removeAll { $0.0 == token }
                if !record.holdsLoop { self.runtime.scheduler.release() }
            }
        }
        // A task waiting on a process that does not hold the loop holds it while it waits.
        if !record.holdsLoop { runtime.scheduler.hold() }
        record.waiters.append((token, timer))
    }

    /// SIGTERM was sent; after `grace` seconds SIGKILL; resolves `token` with the exit code.
    func terminate(_ process: ManagedProcess, token: LuaScheduler.WakeToken, grace: Double) {
        if let record = records[ObjectIdentifier(process)], record.killTimer == nil {
            record.killTimer = runtime.scheduler.after(grace) {
                process.signalGroup(SIGKILL)
            }
            process.onExit { _ in
                process.signalGroup(SIGKILL)  // the rest of the group goes with its leader
            }
        }
        whenExited(process, token: token, timeout: nil)
    }

    /// Running processes started by `task`.
    public func processes(ownedBy task: LuaScheduler.Task) -> [ManagedProcess] {
        records.values.filter { $0.owner === task }.map(\.process)
    }

    /// Every process still running.
    public var running: [ManagedProcess] { records.values.map(\.process) }

    /// Kills every process group still running (the last step of a stop).
    public func killAll() {
        for record in records.values { record.process.signalGroup(SIGKILL) }
    }
}
