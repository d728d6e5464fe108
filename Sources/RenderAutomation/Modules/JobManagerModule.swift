import Foundation
import LuaBridge
import Synchronization

/// `require("rscript.jobmanager")`: background jobs (seed 003), each in its own worker process,
/// queued persistently in the gallery's database.
///
/// `JobManager.get_instance()` returns the runtime's one `JobManager` (made on first call; it
/// recovers jobs left by runtimes that died). Methods keep the seed's names: `add_job(name,
/// script, { timeout=, passed_data=, max_attempts= })` → `ok, message`; `wait([name [,
/// timeout]])` suspends the calling task; `get_job_state`, `get_job_progress`,
/// `get_retrieved_python_data`, `get_issue_string`, `kill_job`, `kill_all`, `cleanup_job`, the
/// name lists and the counters; `max_workers` and `max_attempts` are read-write properties.
/// The manager is kept in the registry under `rscript.jobmanager`.
enum JobManagerModule: RuntimeModule {
    static let name = "rscript.jobmanager"
    static let registryKey = "rscript.jobmanager"

    static func open(in runtime: ScriptRuntime) {
        registerClass(in: runtime)
        runtime.state.pushModule("JobManager", functions: [
            ("get_instance", { [unowned runtime] call in
                // `get_instance{farm = "slurm", slurm = {...}}` sets where jobs added without a farm run.
                let farm = try farmOptions(call)
                let L = call.L
                if runtime.state.pushRegistryValue(named: registryKey, on: L) {
                    if let farm { try call.object(call.argumentCount, as: JobManager.self).defaultSlurm = farm.slurm }
                    return 1
                }
                let path = JobStore.defaultPath()
                guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
                    // Outside a task: opened and recovered in place, the loop waiting.
                    let manager: JobManager
                    do {
                        manager = try JobManager(runtime: runtime, store: try JobStore(path: path))
                    } catch {
                        throw LuaScriptError("JobManager.get_instance: \(error)")
                    }
                    if let farm { manager.defaultSlurm = farm.slurm }
                    publish(manager, runtime: runtime, on: L)
                    return 1
                }
                // Opening may wait for the file (another process's lock, a migration) and
                // recovery for the write lock: both run off the loop while the task waits. A
                // second caller meanwhile waits for the same opening (one store per runtime).
                let key = ObjectIdentifier(runtime)
                let first = waiting.withLock { waiting -> Bool in
                    if waiting[key] != nil {
                        waiting[key]!.append(token)
                        return false
                    }
                    waiting[key] = [token]
                    return true
                }
                guard first else { return call.suspend() }
                let owner = ProcessIdentity.current
                let scheduler = runtime.scheduler
                let mailbox = scheduler.mailbox
                scheduler.hold()
                opening.async {
                    let outcome = Result { () throws -> Opened in
                        let store = try JobStore(path: path)
                        return Opened(store: store, recovery: try store.recover(owner: owner))
                    }
                    mailbox.post { scheduler in
                        scheduler.release()
                        let tokens = waiting.withLock { $0.removeValue(forKey: key) } ?? []
                        guard let runtime = ScriptRuntime.of(scheduler.state) else { return }
                        let made = Result { () throws -> JobManager in
                            let opened = try outcome.get()
                            let manager = try JobManager(runtime: runtime, store: opened.store, recovering: .none)
                            if let farm { manager.defaultSlurm = farm.slurm }
                            manager.opened(with: opened.recovery)
                            return manager
                        }.mapError { LuaScriptError("JobManager.get_instance: \($0)") }
                        for token in tokens {
                            scheduler.resolve(token) { L in try published(made, runtime: runtime, on: L) }
                        }
                    }
                }
                return call.suspend()
            }),
        ])
    }

    /// Where `get_instance` opens stores off the loop: one at a time, as two pools of one process
    /// opening the file together while another process holds its lock can fail ("disk I/O error").
    private static let opening = DispatchQueue(label: "rscript.jobs.open", qos: .utility)

    /// A store opened, and a recovery made, off the loop.
    private struct Opened: Sendable {
        let store: JobStore
        let recovery: JobStore.Recovery
    }

    /// The tasks waiting for a runtime's `get_instance` to open the queue, by runtime.
    private static let waiting = Mutex<[ObjectIdentifier: [LuaScheduler.WakeToken]]>([:])

    /// Pushes the runtime's manager for a `get_instance` that waited: the one already in the
    /// registry (an earlier waiter published it), else `made`, published now; or raises its error.
    private static func published(_ made: Result<JobManager, LuaScriptError>, runtime: ScriptRuntime, on L: OpaquePointer) throws -> Int32 {
        if runtime.state.pushRegistryValue(named: registryKey, on: L) { return 1 }
        publish(try made.get(), runtime: runtime, on: L)
        return 1
    }

    /// Pushes `manager` and keeps it in the registry as the runtime's one.
    private static func publish(_ manager: JobManager, runtime: ScriptRuntime, on L: OpaquePointer) {
        runtime.state.push(object: manager, on: L)
        runtime.state.setRegistryValue(named: registryKey, toTopOf: L)
    }

    private static func registerClass(in runtime: ScriptRuntime) {
        var jm = LuaClass<JobManager>("JobManager")
        jm.method("add_job") { [unowned runtime] manager, call in
            do {
                let new = try newJob(call, runtime: runtime, manager: manager)
                try manager.validate(new)
                // Returns once the job is durable; the task waits for the insert, the loop does not.
                return try afterWrites(call, runtime, manager) { done in
                    do {
                        try manager.add(new) { result in
                            switch result {
                            case .success: done([.bool(true), .string("")])
                            case .failure(let error): done([.bool(false), .string(error.message)])
                            }
                        }
                    } catch {
                        done([.bool(false), .string((error as? JobError)?.message ?? "\(error)")])
                    }
                }
            } catch let error as JobError {
                call.push(false)
                call.push(error.message)
                return 2
            }
        }
        jm.method("wait") { [unowned runtime] manager, call in
            let timeout = try call.optionalSeconds(3)
            if call.isNoneOrNil(2) {
                if manager.jobs.allSatisfy(\.isSettled) {
                    call.push(manager.jobs.allSatisfy { $0.state == .completed })
                    return 1
                }
                let token = try suspend(call, runtime, "JobManager:wait")
                let timer = timeout.map { timeout in
                    runtime.scheduler.after(timeout) { [unowned manager] in
                        runtime.scheduler.resolve(token, with: [.bool(manager.jobs.allSatisfy { $0.state == .completed })])
                    }
                }
                manager.whenAllSettled { [unowned manager] in
                    if let timer { runtime.scheduler.cancelTimer(timer) }
                    runtime.scheduler.resolve(token, with: [.bool(manager.jobs.allSatisfy { $0.state == .completed })])
                }
                return call.suspend()
            }
            let job = try named(manager, call)
            if job.isSettled {
                call.push(job.state.rawValue)
                return 1
            }
            let token = try suspend(call, runtime, "JobManager:wait")
            let timer = timeout.map { timeout in
                runtime.scheduler.after(timeout) { runtime.scheduler.resolve(token, with: [.string(job.state.rawValue)]) }
            }
            manager.whenSettled(job) { job in
                if let timer { runtime.scheduler.cancelTimer(timer) }
                runtime.scheduler.resolve(token, with: [.string(job.state.rawValue)])
            }
            return call.suspend()
        }
        jm.method("get_job_state") { manager, call in
            call.push(try named(manager, call).state.rawValue)
            return 1
        }
        jm.method("get_job_progress") { manager, call in
            let job = try named(manager, call)
            call.push(job.record.progress)
            if let message = job.record.progressMessage { call.push(message) } else { call.pushNil() }
            return 2
        }
        jm.method("get_retrieved_python_data") { manager, call in
            try call.push(try named(manager, call).record.result?.luaValue ?? .nil)
            return 1
        }
        jm.method("get_issue_string") { manager, call in
            call.push(try named(manager, call).record.issue)
            return 1
        }
        jm.method("get_job_id") { manager, call in
            call.push(try named(manager, call).id)
            return 1
        }
        jm.method("get_log_path") { manager, call in
            if let path = try named(manager, call).record.logPath { call.push(path) } else { call.pushNil() }
            return 1
        }
        jm.method("get_job_info") { manager, call in
            let job = try named(manager, call)
            var info = job.record.jsonValue()
            // A job on Slurm: its sbatch options and the Slurm job of its (last) attempt, as queued.
            if job.slurmOptions != nil, case .object(var fields) = info {
                let row = (try? manager.store.slurmRows(ids: [job.id]))?[job.id]
                var slurm: [String: JSONValue] = ["options": job.slurmOptions ?? .object([:])]
                if let id = row?.slurmJob ?? job.slurmJob { slurm["job"] = .int(Int64(id)) }
                slurm["running"] = .bool(job.slurmJob != nil)
                fields["slurm"] = .object(slurm)
                info = .object(fields)
            }
            try call.push(info.luaValue)
            return 1
        }
        // These return once their changes are in the database (the task waits, the loop does not).
        jm.method("kill_job") { [unowned runtime] manager, call in
            let job = try named(manager, call)
            if job.state.isEnded {
                call.push(false)
                return 1
            }
            return try afterWrites(call, runtime, manager) { done in
                manager.kill(job) { done([.bool(true)]) }
            }
        }
        jm.method("kill_all") { [unowned runtime] manager, call in
            if manager.jobs.allSatisfy(\.state.isEnded) {
                call.push(0)
                return 1
            }
            return try afterWrites(call, runtime, manager) { done in
                var count = 0
                count = manager.killAll { done([.int(Int64(count))]) }
            }
        }
        jm.method("cleanup_job") { [unowned runtime] manager, call in
            let job = try named(manager, call)
            return try afterWrites(call, runtime, manager) { done in
                manager.cleanup(job) { done([]) }
            }
        }
        // The seed's timer called these; the runtime runs the queue itself.
        jm.method("process_job") { _, _ in 0 }
        jm.method("process_jobs") { _, _ in 0 }

        let lists: [(String, (ManagedJob) -> Bool)] = [
            ("get_job_names", { _ in true }),
            ("get_queued_job_names", { $0.state == .queued }),
            ("get_active_job_names", { $0.state == .active }),
            ("get_completed_job_names", { $0.state == .completed }),
            ("get_dropped_job_names", { $0.state.isEnded && $0.state != .completed }),
        ]
        for (method, include) in lists {
            jm.method(method) { manager, call in
                try call.push(LuaValue.array(manager.jobs.filter(include).map { .string($0.name) }))
                return 1
            }
        }
        let counters: [(String, (JobManager) -> Int)] = [
            ("num_running_jobs", { $0.jobs.count(where: { $0.state == .active }) }),
            ("num_pending_jobs", { $0.queuedCount }),
            ("num_available_workers", { max(0, $0.maxWorkers - $0.runningCount) }),
            ("num_completed_jobs", { $0.jobs.count(where: { $0.state == .completed }) }),
            ("num_dropped_jobs", { $0.jobs.count(where: { $0.state.isEnded && $0.state != .completed }) }),
        ]
        for (method, count) in counters {
            jm.method(method) { manager, call in
                call.push(count(manager))
                return 1
            }
        }
        let predicates: [(String, (JobState) -> Bool)] = [
            ("job_started", { $0 != .queued }),
            ("job_complete", { $0 == .completed }),
            ("job_dropped", { $0.isEnded && $0 != .completed }),
            ("job_killed", { $0 == .killed || $0 == .timedOut }),
            ("job_timed_out", { $0 == .timedOut }),
        ]
        for (method, test) in predicates {
            jm.method(method) { manager, call in
                call.push(test(try named(manager, call).state))
                return 1
            }
        }
        jm.method("jobs_complete") { manager, call in
            call.push(manager.jobs.allSatisfy { $0.state == .completed })
            return 1
        }
        jm.property("max_workers", get: { manager, call in
            call.push(manager.maxWorkers)
            return 1
        }, set: { manager, call in
            let n = try call.integer(3)
            guard n >= 1 else { throw LuaScriptError("JobManager.max_workers must be at least 1, got \(n)") }
            manager.maxWorkers = Int(n)
        })
        jm.property("max_attempts", get: { manager, call in
            call.push(manager.defaultMaxAttempts)
            return 1
        }, set: { manager, call in
            let n = try call.integer(3)
            guard n >= 1 else { throw LuaScriptError("JobManager.max_attempts must be at least 1, got \(n)") }
            manager.defaultMaxAttempts = Int(n)
        })
        jm.property("db_path") { manager, call in
            call.push(manager.store.path)
            return 1
        }
        jm.description { "JobManager (\($0.jobs.count) jobs, \($0.runningCount) running, max_workers \($0.maxWorkers))" }
        runtime.state.register(jm)
    }

    /// The job named by argument 2.
    private static func named(_ manager: JobManager, _ call: LuaCall) throws -> ManagedJob {
        guard call.luaType(2) == .string else { throw call.typeError(2, expected: "string (a job name)") }
        let name = try call.string(2)
        guard let job = manager.job(named: name) else { throw LuaScriptError("no job named '\(name)' in the job manager") }
        return job
    }

    private static func suspend(_ call: LuaCall, _ runtime: ScriptRuntime, _ function: String) throws -> LuaScheduler.WakeToken {
        guard call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() else {
            throw LuaScriptError("\(function): can only wait inside a task (a script's main chunk, or a task it spawned)")
        }
        return token
    }

    /// Starts writes with `start`, which calls `done` with the call's results once they landed
    /// (from the mailbox; at once is allowed too): the calling task is suspended meanwhile. Where the call
    /// cannot suspend (outside a task, under a C boundary), the writes are made in place, the
    /// loop waiting, and the results are returned at once.
    private static func afterWrites(
        _ call: LuaCall, _ runtime: ScriptRuntime, _ manager: JobManager,
        _ start: (@escaping ([LuaValue]) -> Void) -> Void
    ) throws -> Int32 {
        if call.canSuspend, let token = runtime.scheduler.suspendCurrentTask() {
            start { values in runtime.scheduler.resolve(token, with: values) }
            return call.suspend()
        }
        var results: [LuaValue]?
        manager.inPlace { start { results = $0 } }
        guard let results else { throw LuaScriptError("internal error: a job queue write did not complete in place") }
        for value in results { try call.push(value) }
        return Int32(results.count)
    }

    /// Where jobs run: `farm` ("local" or "slurm") and `slurm` (the sbatch options), as
    /// `get_instance` and `add_job` take them. `slurm` is nil for local.
    struct Farm {
        var slurm: JSONValue?
    }

    static let slurmKeys: Set<String> = ["partition", "time", "mem", "cpus", "args"]

    /// Reads `farm` and `slurm` of an options table; nil when neither is there.
    static func farm(_ options: [String: LuaValue], function: String, defaultSlurm: JSONValue? = nil) throws -> Farm? {
        let farm = options["farm"]
        let slurm = options["slurm"]
        guard farm != nil || slurm != nil else { return nil }
        var onSlurm = defaultSlurm != nil
        if let farm {
            guard let name = farm.stringValue, name == "local" || name == "slurm" else {
                throw JobError.invalid("\(function): farm must be \"local\" or \"slurm\", got \(farm.stringValue.map { "'\($0)'" } ?? farm.luaTypeName)")
            }
            onSlurm = name == "slurm"
        }
        guard let slurm else {
            // (JSONValue takes `nil` as JSON null: spell out the Swift one.)
            return Farm(slurm: onSlurm ? .some(defaultSlurm ?? .object([:])) : Optional<JSONValue>.none)
        }
        guard onSlurm else { throw JobError.invalid("\(function): slurm options are for farm = \"slurm\"") }
        let options: JSONValue
        do {
            options = try JSONValue(slurm, at: "slurm")
        } catch {
            throw JobError.invalid("\(function): \(error)")
        }
        guard case .object(let fields) = options else {
            throw JobError.invalid("\(function): slurm must be a table of partition, time, mem, cpus, args")
        }
        for (key, value) in fields {
            guard slurmKeys.contains(key) else {
                throw JobError.invalid("\(function): unknown slurm option '\(key)' (expected partition, time, mem, cpus, args)")
            }
            if key == "args" {
                guard case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
                    throw JobError.invalid("\(function): slurm.args must be a list of sbatch arguments (strings)")
                }
            } else if value.stringValue == nil, value.doubleValue == nil {
                throw JobError.invalid("\(function): slurm.\(key) must be a string or a number")
            }
        }
        return Farm(slurm: options)
    }

    /// `get_instance`'s optional table `{farm =, slurm =}`; anything else is the old error.
    private static func farmOptions(_ call: LuaCall) throws -> Farm? {
        guard !call.isNoneOrNil(1) else { return nil }
        let usage = "rscript has one job manager per runtime: call get_instance() without an index, or get_instance{farm = \"slurm\", slurm = {...}}"
        guard call.luaType(1) == .table, let value = try? call.value(1) else { throw LuaArgumentError(position: 1, usage) }
        let fields: [String: LuaValue]
        switch value {
        case .object(let o) where !o.isEmpty && Set(o.keys).isSubset(of: ["farm", "slurm"]): fields = o
        default: throw LuaArgumentError(position: 1, usage)
        }
        do {
            return try farm(fields, function: "JobManager.get_instance")
        } catch let error as JobError {
            throw LuaArgumentError(position: 1, error.message)
        }
    }

    /// Reads `add_job(name, script, options)`; bad input is a `JobError` (add_job returns it).
    private static func newJob(_ call: LuaCall, runtime: ScriptRuntime, manager: JobManager) throws -> JobStore.NewJob {
        guard call.luaType(2) == .string, let name = try? call.string(2), !name.isEmpty else {
            throw JobError.invalid("add_job: the job name must be a non-empty string, got \(call.typeName(2))")
        }
        guard call.luaType(3) == .string, let script = try? call.string(3), !script.isEmpty else {
            throw JobError.invalid("add_job: the job script must be a path, got \(call.typeName(3))")
        }
        // A zero would cut the name in the database's C strings and the path at the OS.
        if name.utf8.contains(0) { throw JobError.invalid("add_job: the job name contains an embedded zero") }
        if script.utf8.contains(0) { throw JobError.invalid("add_job: the job script path contains an embedded zero") }
        var new = JobStore.NewJob(name: name, script: try resolve(script: script, runtime: runtime), maxAttempts: manager.defaultMaxAttempts)
        new.slurm = manager.defaultSlurm
        if call.isNoneOrNil(4) { return new }
        guard call.luaType(4) == .table else { throw JobError.invalid("add_job: options must be a table, got \(call.typeName(4))") }
        let options: [String: LuaValue]
        let table: LuaValue
        do {
            table = try call.value(4)
        } catch let error as LuaArgumentError {
            // what cannot be read (a function in passed_data, say) is named, not hidden
            throw JobError.invalid("add_job: options cannot be read: \(error.message)")
        }
        switch table {
        case .object(let o): options = o
        case .array([]): options = [:]
        default: throw JobError.invalid("add_job: options must be a table of name = value (timeout, passed_data, max_attempts, farm, slurm)")
        }
        if let farm = try farm(options, function: "add_job", defaultSlurm: manager.defaultSlurm) { new.slurm = farm.slurm }
        for (key, value) in options {
            switch key {
            case "farm", "slurm":
                break
            case "timeout":
                guard let seconds = value.doubleValue, seconds >= 0, seconds.isFinite else {
                    throw JobError.invalid("add_job: timeout must be a number of seconds (0 for none), got \(value.luaTypeName)")
                }
                new.timeout = seconds > 0 ? seconds : nil
            case "passed_data":
                do {
                    new.passedData = value.isNil ? .object([:]) : try JSONValue(value, at: "passed_data")
                } catch {
                    throw JobError.invalid("add_job: \(error)")
                }
            case "max_attempts":
                guard let n = value.intValue, n >= 1 else {
                    throw JobError.invalid("add_job: max_attempts must be a whole number of at least 1, got \(value.doubleValue.map { "\($0)" } ?? value.luaTypeName)")
                }
                new.maxAttempts = Int(n)
            default:
                throw JobError.invalid("add_job: unknown option '\(key)' (expected timeout, passed_data, max_attempts, farm, slurm)")
            }
        }
        return new
    }

    /// An absolute path for the script: as given when absolute; else from the working folder,
    /// or from the running script's folder when it is not in the working folder.
    /// - Throws: `JobError.invalidArgument` when it is in neither.
    static func resolve(script: String, runtime: ScriptRuntime) throws -> String {
        if script.hasPrefix("/") {
            guard Environment.fileExists(script) else { throw JobError.invalid("the job script \(script) does not exist") }
            return script
        }
        let cwd = FileManager.default.currentDirectoryPath
        var folders = [cwd]
        if let dir = runtime.options.scriptDirectory {
            let absolute = dir.hasPrefix("/") ? dir : cwd + "/" + dir
            if absolute != cwd && absolute != cwd + "/." { folders.append(absolute) }
        }
        for folder in folders where Environment.fileExists(folder + "/" + script) {
            return folder + "/" + script
        }
        throw JobError.invalid("the job script \(script) does not exist (looked in \(folders.joined(separator: " and ")))")
    }
}
