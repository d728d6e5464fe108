import Foundation
import LuaBridge

/// What `rscript jobs run` and `rscript jobs wait` do when no live runtime serves a job: a
/// runtime of their own with a `JobManager` that takes the orphaned jobs over and runs them.
public struct OrphanedJobRunner {
    public var store: JobStore
    /// nil: the number of cores.
    public var maxWorkers: Int?
    public var options: RuntimeOptions
    public var notice: (String) -> Void = { StandardError.write("rscript: \($0)\n") }

    public init(store: JobStore, maxWorkers: Int? = nil, options: RuntimeOptions = .fromEnvironment()) {
        self.store = store
        self.maxWorkers = maxWorkers
        self.options = options
    }

    public enum Outcome: Equatable, Sendable {
        /// Everything taken over has ended.
        case finished
        /// Ctrl-C: the jobs running were killed.
        case interrupted
    }

    /// Serves until no orphaned job is left (jobs queued meanwhile by `rscript jobs retry` are
    /// taken too). `onEnded` sees each job that ends.
    public func runAll(onEnded: @escaping (JobRecord) -> Void = { _ in }) throws -> Outcome {
        try serve(scope: .all, onEnded: onEnded)
    }

    /// Serves one job (if no live runtime does) until it ends.
    public func runOne(id: Int64, onEnded: @escaping (JobRecord) -> Void = { _ in }) throws -> Outcome {
        try serve(scope: .only(id), onEnded: onEnded)
    }

    private func serve(scope: JobManager.RecoveryScope, onEnded: @escaping (JobRecord) -> Void) throws -> Outcome {
        var options = self.options
        options.handlesInterrupt = true
        let runtime: ScriptRuntime
        do {
            runtime = try ScriptRuntime(options: options)
        } catch {
            throw JobError.invalid("cannot start a runtime: \(error)")
        }
        let manager = try JobManager(runtime: runtime, store: store, recovering: scope, notice: notice)
        if let maxWorkers { manager.maxWorkers = maxWorkers }
        var reported: Set<Int64> = []
        func report() {
            for job in manager.jobs where job.isSettled && !reported.contains(job.id) {
                reported.insert(job.id)
                onEnded(job.record)
            }
        }
        for record in manager.recovery.dropped { onEnded(record) }
        while true {
            runtime.scheduler.run(until: { manager.jobs.allSatisfy(\.isSettled) || runtime.interruptReceived })
            report()
            if runtime.interruptReceived {
                runtime.runStopHooks()
                report()
                return .interrupted
            }
            // Let the last workers exit, then look for jobs queued meanwhile.
            runtime.scheduler.run(until: { manager.runningCount == 0 || runtime.interruptReceived })
            guard case .all = scope, try !store.orphans().isEmpty else { break }
            let more = try manager.takeOver(only: nil)
            for record in more.dropped { onEnded(record) }
            if more.adopted.isEmpty { break }
        }
        runtime.scheduler.run(until: { !runtime.scheduler.hasPendingWork })
        return .finished
    }
}
