import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// How a render ends: its state from the driver's result, its leftover processes killed and
/// waited for, its end recorded and announced, and what it held released.
extension RenderManager {
    func driverEnded(_ job: BackgroundRender, _ result: Result<[LuaValue], LuaError>) {
        if let timer = job.timeoutTimer { runtime.scheduler.cancelTimer(timer) }
        if let timer = job.pollTimer { runtime.scheduler.cancelTimer(timer) }
        var state: RenderState
        var error: String?
        switch result {
        case .success(let values):
            state = values.first == .string("stopped") ? .stopped : .finished
        case .failure(let luaError):
            if luaError.kind == .interrupted || job.stopReason == .interrupt {
                state = .stopped
            } else {
                state = .failed
                error = luaError.description
            }
        }
        if case .timeout(let seconds) = job.stopReason {
            state = .failed
            error = "render timed out after \(SecondsText.exact(seconds))" + (error.map { "\n" + $0 } ?? "")
        }
        if state == .finished, let killed = job.processes.first(where: { $0.diedOfUnexpectedSignal }) {
            state = .failed
            let lines = killed.tail(20)
            error = "\(killed.command.first ?? "renderer") was \(killed.exitStatus!)"
                + (lines.isEmpty ? "" : "; its last \(lines.count) log lines:\n" + lines.joined(separator: "\n"))
        }
        // The render ends only once its processes are gone.
        let leftovers = job.processes.filter { $0.exitStatus == nil }
        for process in leftovers { process.signalGroup(SIGKILL) }
        if leftovers.isEmpty {
            finalize(job, state: state, error: error)
            return
        }
        job.pendingEnd = (state, error, leftovers.count)
        let mailbox = runtime.scheduler.mailbox
        let id = job.id
        for process in leftovers {
            process.onExit { _ in
                mailbox.post { scheduler in
                    ScriptRuntime.of(scheduler.state)?.renders.leftoverExited(id)
                }
            }
        }
    }

    func leftoverExited(_ id: Int64) {
        guard let job = jobs[id], let pending = job.pendingEnd else { return }
        if pending.processes > 1 {
            job.pendingEnd = (pending.state, pending.error, pending.processes - 1)
        } else {
            job.pendingEnd = nil
            finalize(job, state: pending.state, error: pending.error)
        }
    }

    func finalize(_ job: BackgroundRender, state: RenderState, error: String?) {
        guard !job.state.isEnded else { return }
        fillRuntimeMetadata(job, force: true)
        job.state = state
        job.error = error
        if let task = job.task { jobsByTask[ObjectIdentifier(task)] = nil }
        lastFlush[job.id] = nil
        withdrawFromControlChannel(job)
        record { try $0.finish(id: job.id, state: state, error: error) }
        let announce = {
            job.endAnnounced = true
            job.notify(.ended)
            let waiters = job.finishedWaiters
            job.finishedWaiters = []
            for waiter in waiters { waiter(job) }
            self.release(job)
        }
        if let recorder = try? recorder { recorder.whenWritten(announce) } else { announce() }
    }

    /// What an ended render no longer needs: its place in `jobs`, its processes' line buffers
    /// (up to 20,000 unread lines and a 1,000-line tail each), its driver task (and so the
    /// coroutine and the plugin object) and its observers. Its record stays as it was.
    func release(_ job: BackgroundRender) {
        jobs[job.id] = nil
        for process in job.processes { process.releaseOutput() }
        job.task = nil
        job.observers = []
        job.clicks = []
    }
}
