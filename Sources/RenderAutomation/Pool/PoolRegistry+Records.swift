import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Recording pool tasks in the database (`PoolTaskStore`). A database that cannot be opened or
/// written is reported once and the pool goes on without records: a pool never fails for them.
extension PoolRegistry {
    private var store: PoolTaskStore? {
        if case .open(let store) = taskStoreState { return store }
        if case .unavailable = taskStoreState { return nil }
        do {
            let store = try PoolTaskStore(path: GalleryStore.defaultPath())
            taskStoreState = .open(store)
            return store
        } catch {
            taskStoreState = .unavailable
            runtime.errorReporter("rscript: warning: pool tasks are not recorded: \(error)")
            return nil
        }
    }

    private func record(_ write: (PoolTaskStore) throws -> Void) {
        guard let store else { return }
        do {
            try write(store)
        } catch {
            taskStoreState = .unavailable
            runtime.errorReporter("rscript: warning: pool tasks are no longer recorded: \(error)")
        }
    }

    func recordSubmitted(_ items: [PoolItem], pool number: Int) {
        record { store in
            let ids = try store.insert(pool: number, ownerPid: getpid(), items)
            for (item, id) in zip(items, ids) { item.recordID = id }
        }
    }

    func recordStarted(_ item: PoolItem, on worker: Worker) {
        guard let id = item.recordID else { return }
        record { try $0.started(id, attempt: item.attempts, worker: worker.id, workerPid: worker.process.pid) }
    }

    func recordEnded(_ item: PoolItem, _ result: Result<JSONValue, PoolFailure>) {
        guard let id = item.recordID else { return }
        record { store in
            switch result {
            case .success(let value):
                try store.ended(id, state: "finished", result: value.jsonText, error: nil)
            case .failure(let failure):
                let state: String
                if case .cancelled = failure { state = "cancelled" } else { state = "failed" }
                try store.ended(id, state: state, result: nil, error: "\(failure)")
            }
        }
    }
}

/// Whether the pool-task table is open, not tried yet, or given up on.
enum PoolTaskStoreState {
    case untried
    case open(PoolTaskStore)
    case unavailable
}
