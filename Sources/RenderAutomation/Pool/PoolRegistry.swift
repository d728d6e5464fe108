import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// The worker pools of one runtime: numbers them, tells each when one of its workers exits,
/// terminates them when the runtime stops (Ctrl-C, a failed main chunk) and shuts their workers
/// down when it ends, so no worker outlives its script.
public final class PoolRegistry {
    unowned let runtime: ScriptRuntime
    private var pools: [Int: Weak] = [:]
    /// Which pool each live worker process belongs to.
    private var owners: [Int32: (worker: Worker, pool: Weak)] = [:]
    private var nextNumber = 1
    private var listening = false
    var taskStoreState = PoolTaskStoreState.untried
    var pendingUpdates: [PoolTaskStore.Update] = []
    var flushScheduled = false

    struct Weak {
        weak var pool: WorkerPool?
    }

    init(runtime: ScriptRuntime) {
        self.runtime = runtime
    }

    /// Makes a new pool (its workers start when items arrive).
    public func makePool(size: Int, retries: Int, logDirectory: String?) -> WorkerPool {
        listenIfNeeded()
        let pool = WorkerPool(runtime: runtime, number: nextNumber, size: size, retries: retries, logDirectory: logDirectory)
        pools[nextNumber] = Weak(pool: pool)
        nextNumber += 1
        return pool
    }

    /// The pools still referenced.
    public var all: [WorkerPool] {
        pools = pools.filter { $0.value.pool != nil }
        return pools.keys.sorted().compactMap { pools[$0]?.pool }
    }

    func track(_ worker: Worker, in pool: WorkerPool) {
        owners[worker.process.pid] = (worker, Weak(pool: pool))
    }

    private func listenIfNeeded() {
        guard !listening else { return }
        listening = true
        // The process registry first: its stop hook (kill everything) then runs after ours.
        runtime.processes.exitListeners.append { [unowned self] process, _ in
            guard let owner = self.owners.removeValue(forKey: process.pid) else { return }
            owner.pool.pool?.workerExited(owner.worker)
        }
        runtime.onStop { [unowned self] in
            for pool in self.all { pool.terminate() }
        }
    }

    /// Shuts down every pool's workers and waits (at most `grace` seconds, then kills them) until
    /// they have exited. For the end of a runtime: pools have no work left then, or are
    /// terminated.
    public func closeAll(grace: Double = 5) {
        let pools = all
        guard pools.contains(where: { !$0.live.isEmpty }) else { return }
        for pool in pools { pool.shutDownForExit() }
        let exited = { pools.allSatisfy { $0.live.isEmpty } }
        var expired = false
        var timer = runtime.scheduler.after(grace) { expired = true }
        runtime.scheduler.run(until: { expired || exited() })
        runtime.scheduler.cancelTimer(timer)
        guard !exited() else { return }
        for pool in pools { pool.terminate() }
        expired = false
        timer = runtime.scheduler.after(1) { expired = true }
        runtime.scheduler.run(until: { expired || exited() })
        runtime.scheduler.cancelTimer(timer)
    }
}

extension ScriptRuntime {
    /// Shuts down the workers of this runtime's pools (see `PoolRegistry.closeAll`): the last
    /// step of `rscript run`, so no idle worker is left behind.
    public func closePools() {
        pools.closeAll()
    }
}
