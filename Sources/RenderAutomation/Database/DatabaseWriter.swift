import Dispatch
import Foundation
import GRDB
import Synchronization

/// The writes to one database file, made on a thread of their own so that the runtime's loop
/// never waits for SQLite: not for another process's write lock (up to the busy timeout), not
/// for the commit itself.
///
/// - Batching: everything queued while a transaction runs (or waits for the lock) goes into the
///   next one, each write in a savepoint of its own, so one that fails (an unknown render) does
///   not undo the others.
/// - Order: writes run in the order they were queued; `sync` waits for everything queued before
///   it, so a read made through it sees every earlier write.
/// - Durability: a write's completion runs after its transaction committed (to the WAL, as
///   `GalleryStore` documents); only then is the write acknowledged.
/// - A file locked by another process is retried for `retryFor` seconds (past the busy timeout)
///   before the queued writes fail; `flushAll()` (run at exit) waits for every writer's queue.
final class DatabaseWriter: Sendable {
    typealias Body = @Sendable (Database) throws -> Void
    /// Called on the writer's thread with the write's error, or nil.
    typealias Completion = @Sendable ((any Error)?) -> Void

    private struct Job {
        let body: Body?
        let done: Completion
        /// Retried while the file is locked (queued writes); a `sync` caller gets the busy
        /// timeout's error instead, as from a write of its own.
        var retries = true
    }

    private struct State {
        var jobs: [Job] = []
        var draining = false
    }

    private let opener: @Sendable () throws -> DatabasePool
    /// The pool, once the writer's thread opened it (or why it could not).
    private let opened = Mutex<Result<DatabasePool, any Error>?>(nil)
    private let state = Mutex(State())
    private let queue: DispatchQueue
    /// Turns a failed write's error into the message the store would throw.
    let describe: @Sendable (any Error) -> String
    private let retryFor: Double

    /// `describe` turns a database error into the message the store would throw.
    convenience init(pool: DatabasePool, label: String, retryFor: Double = 60, describe: @escaping @Sendable (any Error) -> String) {
        self.init(opening: { pool }, label: label, retryFor: retryFor, describe: describe)
    }

    /// A writer that opens its database on its own thread, at the first write: opening may wait
    /// for another process's lock too (a new file's switch to WAL, a schema migration). If it
    /// fails, every write fails with its error.
    init(opening opener: @escaping @Sendable () throws -> DatabasePool, label: String, retryFor: Double = 60,
         describe: @escaping @Sendable (any Error) -> String) {
        self.opener = opener
        self.describe = describe
        self.retryFor = retryFor
        queue = DispatchQueue(label: label)
        Self.all.withLock { all in
            all.removeAll { $0.writer == nil }
            all.append(Weak(writer: self))
        }
        Self.registerExitFlush()
    }

    /// Queues `body` (nil: only wait for what is queued before) and returns at once;
    /// `done` runs on the writer's thread once it committed or failed.
    func enqueue(_ body: Body?, done: @escaping Completion) {
        enqueue(Job(body: body, done: done))
    }

    private func enqueue(_ job: Job) {
        let start = state.withLock { state -> Bool in
            state.jobs.append(job)
            if state.draining { return false }
            state.draining = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    /// Runs `body` after every write queued before it (in the next transaction, in a savepoint of
    /// its own) and waits for it: the calling thread blocks. For the few writes whose result the
    /// caller needs at once (a new row's id). Not retried past the busy timeout.
    func sync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        enqueue(Job(body: { db in
            do {
                let value = try body(db)
                result.withLock { $0 = .success(value) }
            } catch {
                result.withLock { $0 = .failure(error) }  // the store's own error, as thrown
                throw error
            }
        }, done: { error in
            if let error {
                result.withLock { result in
                    if case .failure? = result { return }
                    result = .failure(error)  // the transaction failed (locked, disk full)
                }
            }
            done.signal()
        }, retries: false))
        done.wait()
        return try result.withLock { $0! }.get()
    }

    /// `sync` for a body that is not `Sendable` (a store's own synchronous methods): it runs on
    /// the writer's thread while the caller waits, and is let go before the caller resumes.
    func syncInPlace<T>(_ body: (Database) throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            let lent = Lent(body)
            defer { lent.release() }  // also when it never ran (the file stayed locked)
            let result = try sync { db in Unchecked(value: try lent.run(db)) }
            return result.value
        }
    }

    /// A closure lent to the writer's thread for one call, given back before `syncInPlace`
    /// returns so that it does not outlive it.
    private final class Lent<T>: Sendable {
        /// Run on the writer's thread while its owner waits for it.
        private struct Closure: @unchecked Sendable {
            let call: (Database) throws -> T
        }

        private let body: Mutex<Closure?>
        init(_ body: @escaping (Database) throws -> T) { self.body = Mutex(Closure(call: body)) }

        func run(_ db: Database) throws -> T {
            guard let body = body.withLock({ $0 }) else { throw CancellationError() }
            return try body.call(db)
        }

        func release() { body.withLock { $0 = nil } }
    }

    /// A value handed back from the writer's thread to the waiting caller.
    private struct Unchecked<T>: @unchecked Sendable {
        var value: T
    }

    /// Blocks until everything queued so far is written.
    func waitUntilWritten() {
        let done = DispatchSemaphore(value: 0)
        enqueue(nil) { _ in done.signal() }
        done.wait()
    }

    private func drain() {
        while true {
            let batch: [Job] = state.withLock { state in
                if state.jobs.isEmpty {
                    state.draining = false
                    return []
                }
                defer { state.jobs.removeAll(keepingCapacity: true) }
                return state.jobs
            }
            if batch.isEmpty { return }
            let errors = write(batch)
            for (job, error) in zip(batch, errors) { job.done(error) }
        }
    }

    /// One transaction for the batch, retried while another process holds the lock.
    private func write(_ batch: [Job]) -> [(any Error)?] {
        guard batch.contains(where: { $0.body != nil }) else { return batch.map { _ in nil } }
        let pool: DatabasePool
        do {
            pool = try open()
        } catch {
            return batch.map { _ in error }
        }
        let deadline = MonotonicClock.now() + retryFor
        var failed: [Int: any Error] = [:]
        var live = Array(batch.indices)
        while true {
            do {
                let errors = try pool.write { db in
                    live.map { index -> (any Error)? in
                        guard let body = batch[index].body else { return nil }
                        do {
                            try db.inSavepoint {
                                try body(db)
                                return .commit
                            }
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                for (index, error) in zip(live, errors) { if let error { failed[index] = error } }
                return batch.indices.map { failed[$0] }
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && MonotonicClock.now() < deadline {
                // Still locked after the busy timeout: a waiting caller hears so now; queued
                // writes wait on.
                for index in live where !batch[index].retries { failed[index] = error }
                live.removeAll { !batch[$0].retries }
                if live.isEmpty { return batch.indices.map { failed[$0] } }
                usleep(20_000)
            } catch {
                for index in live { failed[index] = error }
                return batch.indices.map { failed[$0] }
            }
        }
    }

    /// On the writer's thread: the pool, opened at the first call.
    private func open() throws -> DatabasePool {
        if let opened = opened.withLock({ $0 }) { return try opened.get() }
        let result = Result { try opener() }
        opened.withLock { $0 = result }
        return try result.get()
    }

    // MARK: Exit

    private struct Weak: @unchecked Sendable {  // read and written under `all`'s lock only
        weak var writer: DatabaseWriter?
    }

    private static let all = Mutex<[Weak]>([])
    private static let exitFlushRegistered = Atomic<Bool>(false)

    private static func registerExitFlush() {
        guard exitFlushRegistered.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        // `os.exit` and `exit()` skip the loop's end: what is queued is written first.
        atexit { DatabaseWriter.flushAll() }
    }

    /// Waits for every writer's queue (at exit).
    static func flushAll() {
        for writer in all.withLock({ $0.compactMap(\.writer) }) { writer.waitUntilWritten() }
    }
}
