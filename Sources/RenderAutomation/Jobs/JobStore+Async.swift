import GRDB
import Synchronization

extension JobStore {
    /// Runs `body` on the store's writer thread, in order with every other write of this store,
    /// and returns at once: the loop never waits for SQLite (another process's write lock, the
    /// commit). `then` runs on `runtime`'s loop (through the mailbox) once the transaction
    /// committed, with `body`'s value, or failed, with its error (`JobError`; one thrown by
    /// `body` itself keeps its identity). The loop is held until then.
    ///
    /// As queued writes do, it waits past the busy timeout while the file stays locked (the
    /// writer's `retryFor`), so a lock held for a few seconds delays the write, never fails it.
    func write<T: Sendable>(
        _ body: @escaping @Sendable (Database) throws -> T, from runtime: ScriptRuntime,
        then: @escaping (Result<T, JobError>) -> Void
    ) {
        let outcome = Outcome<T>()
        let path = self.path
        writer.enqueue({ db in
            do {
                outcome.set(.success(try body(db)))
            } catch {
                outcome.set(.failure(JobError.database(error, path: path)))
                throw error
            }
        }, from: runtime) { failure in
            let result = outcome.take()
            guard let failure else {
                return then(result ?? .failure(JobError(.database, "the write to \(path) did not run")))
            }
            // Its own error if it threw; else the transaction's (it ran, but did not commit).
            if case .failure(let error)? = result { return then(.failure(error)) }
            then(.failure(JobError(.database, failure)))
        }
    }

    /// What a write's body gave, handed from the writer's thread to the loop. A batch retried
    /// after a busy lock runs the body again: the last run is the one that committed.
    private final class Outcome<T: Sendable>: Sendable {
        private let value = Mutex<Result<T, JobError>?>(nil)
        func set(_ result: Result<T, JobError>) { value.withLock { $0 = result } }
        func take() -> Result<T, JobError>? { value.withLock { $0 } }
    }
}
