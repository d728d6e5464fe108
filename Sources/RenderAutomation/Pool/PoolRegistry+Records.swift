import Foundation
import GRDB
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Recording pool tasks in the database (`PoolTaskStore`). A database that cannot be opened or
/// written is reported once and the pool goes on without records: a pool never fails for them.
extension PoolRegistry {
    /// The writer of the task records, made at the first submission; the database is opened
    /// on its thread, so that a locked or new file does not hold the loop.
    private var writer: DatabaseWriter? {
        switch taskStoreState {
        case .open(let writer): return writer
        case .unavailable: return nil
        case .untried:
            let writer = PoolTaskStore.writer(path: GalleryStore.defaultPath())
            taskStoreState = .open(writer)
            return writer
        }
    }

    /// Queues `write` to the writer (off the loop); a failure (the file cannot be opened or
    /// written) is reported once and recording stops.
    private func record(_ write: @escaping @Sendable (Database) throws -> Void) {
        guard let writer else { return }
        writer.enqueue(write, from: runtime) { [weak self] error in
            guard let self, let error, case .open = self.taskStoreState else { return }
            self.taskStoreState = .unavailable
            self.runtime.errorReporter("rscript: warning: pool tasks are not recorded: \(error)")
        }
    }

    func recordSubmitted(_ items: [PoolItem], pool number: Int) {
        guard writer != nil else { return }
        let submitted = items.map { item in
            let row = PoolTaskStore.RowID()
            item.recordID = row
            return PoolTaskStore.Submitted(label: item.label, script: item.script,
                                           arguments: JSONValue.array(item.arguments).jsonText, row: row)
        }
        let owner = getpid()
        record { db in try PoolTaskStore.insert(db, pool: number, ownerPid: owner, submitted) }
    }

    func recordStarted(_ item: PoolItem, on worker: Worker) {
        guard let id = item.recordID else { return }
        queueUpdate(.started(row: id, attempt: item.attempts, worker: worker.id, workerPid: worker.process.pid,
                             at: Date.now.timeIntervalSince1970))
    }

    func recordEnded(_ item: PoolItem, _ result: Result<JSONValue, PoolFailure>) {
        guard let id = item.recordID else { return }
        let now = Date.now.timeIntervalSince1970
        switch result {
        case .success(let value):
            queueUpdate(.ended(row: id, state: "finished", result: value.jsonText, error: nil, at: now))
        case .failure(let failure):
            let state: String
            if case .cancelled = failure { state = "cancelled" } else { state = "failed" }
            queueUpdate(.ended(row: id, state: state, result: nil, error: "\(failure)", at: now))
        }
    }

    /// Starts and ends are queued together, at most 50 ms after they happen: one statement batch
    /// for a burst of changes, not one per task and step (trivial tasks end thousands a second).
    private func queueUpdate(_ update: PoolTaskStore.Update) {
        pendingUpdates.append(update)
        guard !flushScheduled else { return }
        flushScheduled = true
        runtime.scheduler.after(0.05) { [unowned self] in
            self.flushScheduled = false
            let updates = self.pendingUpdates
            self.pendingUpdates = []
            self.record { db in try PoolTaskStore.apply(db, updates) }
        }
    }
}

/// Whether the pool-task records have a writer, not yet, or were given up on.
enum PoolTaskStoreState {
    case untried
    case open(DatabaseWriter)
    case unavailable
}
