import CLuaShim
import Foundation
import LuaBridge

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
                guard call.isNoneOrNil(1) else {
                    throw LuaArgumentError(position: 1, "rscript has one job manager per runtime: call get_instance() without an index")
                }
                let L = call.L
                if lua_getfield(L, rscript_registryindex(), registryKey) != LUA_TNIL { return 1 }
                lua_settop(L, -2)
                let manager: JobManager
                do {
                    manager = try JobManager(runtime: runtime, store: try JobStore(path: JobStore.defaultPath()))
                } catch {
                    throw LuaScriptError("JobManager.get_instance: \(error)")
                }
                call.push(object: manager)
                lua_pushvalue(L, -1)
                lua_setfield(L, rscript_registryindex(), registryKey)
                return 1
            }),
        ])
    }

    private static func registerClass(in runtime: ScriptRuntime) {
        var jm = LuaClass<JobManager>("JobManager")
        jm.method("add_job") { [unowned runtime] manager, call in
            do {
                let new = try newJob(call, runtime: runtime, manager: manager)
                try manager.add(new)
                call.push(true)
                call.push("")
            } catch let error as JobError {
                call.push(false)
                call.push(error.message)
            }
            return 2
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
            try call.push(try named(manager, call).record.jsonValue().luaValue)
            return 1
        }
        jm.method("kill_job") { manager, call in
            call.push(manager.kill(try named(manager, call)))
            return 1
        }
        jm.method("kill_all") { manager, call in
            call.push(manager.killAll())
            return 1
        }
        jm.method("cleanup_job") { manager, call in
            manager.cleanup(try named(manager, call))
            return 0
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
        guard call.type(2) == LUA_TSTRING else { throw call.typeError(2, expected: "string (a job name)") }
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

    /// Reads `add_job(name, script, options)`; bad input is a `JobError` (add_job returns it).
    private static func newJob(_ call: LuaCall, runtime: ScriptRuntime, manager: JobManager) throws -> JobStore.NewJob {
        guard call.type(2) == LUA_TSTRING, let name = try? call.string(2), !name.isEmpty else {
            throw JobError.invalid("add_job: the job name must be a non-empty string, got \(call.typeName(2))")
        }
        guard call.type(3) == LUA_TSTRING, let script = try? call.string(3), !script.isEmpty else {
            throw JobError.invalid("add_job: the job script must be a path, got \(call.typeName(3))")
        }
        // A zero would cut the name in the database's C strings and the path at the OS.
        if name.utf8.contains(0) { throw JobError.invalid("add_job: the job name contains an embedded zero") }
        if script.utf8.contains(0) { throw JobError.invalid("add_job: the job script path contains an embedded zero") }
        var new = JobStore.NewJob(name: name, script: try resolve(script: script, runtime: runtime), maxAttempts: manager.defaultMaxAttempts)
        if call.isNoneOrNil(4) { return new }
        guard call.type(4) == LUA_TTABLE else { throw JobError.invalid("add_job: options must be a table, got \(call.typeName(4))") }
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
        default: throw JobError.invalid("add_job: options must be a table of name = value (timeout, passed_data, max_attempts)")
        }
        for (key, value) in options {
            switch key {
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
                throw JobError.invalid("add_job: unknown option '\(key)' (expected timeout, passed_data, max_attempts)")
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
