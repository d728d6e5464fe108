import Foundation
@testable import RenderAutomation
import XCTest

/// The job queue's store on real database files: round trips, conditional changes, recovery
/// after a runtime died, the gallery sharing the file, and two writers at once.
final class JobStoreTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func makeStore(_ name: String = "queue.db") throws -> JobStore {
        try JobStore(path: folder + "/" + name)
    }

    func error(_ body: () throws -> Void) -> JobError? {
        do {
            try body()
        } catch let error as JobError {
            return error
        } catch {
            XCTFail("expected a JobError, got \(error)")
        }
        return nil
    }

    /// A process that is certainly gone: a pid beyond pid_max.
    let deadRuntime = ProcessIdentity(pid: 99_999_999, startTime: 1)
    let me = ProcessIdentity.current

    // MARK: Round trips

    /// The store's writes run on its writer thread: one that waits past its busy timeout for
    /// another writer gets the locked error (the write it lent is given back), and the store
    /// goes on writing once the lock is gone.
    func testAWriteBlockedBeyondTheTimeoutGetsALockedErrorAndTheStoreGoesOn() throws {
        let path = folder + "/busy.db"
        let holder = try GalleryStore(path: path)
        let store = try JobStore(path: path, busyTimeout: 0.2)
        let holding = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? holder.write { _ in
                holding.signal()
                Thread.sleep(forTimeInterval: 1.0)
            }
            done.signal()
        }
        holding.wait()
        let failure = error { _ = try store.insert(.init(name: "a", script: "/x.lua"), owner: me) }
        XCTAssertEqual(failure?.kind, .database)
        XCTAssertEqual(failure?.databaseKind, .locked)
        done.wait()
        let record = try store.insert(.init(name: "b", script: "/x.lua"), owner: me)
        XCTAssertEqual(try store.job(id: record.id)?.name, "b")
        XCTAssertNil(try store.job(named: "a"), "the failed insert left nothing")
    }

    func testAJobRoundTripsThroughItsWholeLife() throws {
        let store = try makeStore()
        let data: JSONValue = ["frames": 10, "gamma": 2.2, "name": "héllo \"q\"", "list": [1, 2.5, true, nil], "empty": [:]]
        let added = try store.insert(.init(name: "bake", script: "/jobs/bake.lua", passedData: data, timeout: 60, maxAttempts: 2), owner: me)
        XCTAssertEqual(added.state, .queued)
        XCTAssertEqual(added.passedData, data)
        XCTAssertEqual(added.timeout, 60)
        XCTAssertEqual(added.maxAttempts, 2)
        XCTAssertEqual(added.attempts, 0)
        XCTAssertEqual(added.owner, me)
        XCTAssertEqual(added.logPath, store.logFolder + "/\(added.id).log")
        XCTAssertTrue(Environment.isDirectory(store.logFolder), "the log folder is made beside the database")
        XCTAssertFalse(added.isOrphaned)

        let claimed = try store.claim(id: added.id, owner: me)
        XCTAssertTrue(claimed.applied)
        XCTAssertEqual(claimed.record?.state, .active)
        XCTAssertEqual(claimed.record?.attempts, 1)
        XCTAssertNotNil(claimed.record?.startedAt)
        let worker = ProcessIdentity(pid: 4242, startTime: 77)
        try store.setWorker(id: added.id, worker: worker)
        try store.saveProgress([(added.id, 0.5, "half")])
        var reread = try XCTUnwrap(store.job(id: added.id))
        XCTAssertEqual(reread.worker, worker)
        XCTAssertEqual(reread.progress, 0.5)
        XCTAssertEqual(reread.progressMessage, "half")

        let result: JSONValue = ["result": 42, "frames": [1, 2]]
        let finished = try store.finish(id: added.id, owner: me, state: .completed, result: result, progress: (1, "done"))
        XCTAssertTrue(finished.applied)
        reread = try XCTUnwrap(store.job(id: added.id))
        XCTAssertEqual(reread.state, .completed)
        XCTAssertEqual(reread.result, result)
        XCTAssertEqual(reread.progress, 1)
        XCTAssertNotNil(reread.endedAt)
        XCTAssertEqual(reread.issue, "")

        // Another store, as another process would open the file, reads the same.
        let other = try JobStore(path: store.path)
        XCTAssertEqual(try other.job(id: added.id), reread)
        XCTAssertEqual(try other.resolve("bake").id, added.id)
        XCTAssertEqual(try other.resolve(String(added.id)).id, added.id)
        XCTAssertEqual(reread.jsonValue()["result"], result)
        XCTAssertEqual(reread.jsonValue()["state"], "COMPLETED")
    }

    func testNamesResolveToTheNewestJobAndUnknownOnesAreClearErrors() throws {
        let store = try makeStore()
        let first = try store.insert(.init(name: "bake", script: "/a.lua"), owner: me)
        let second = try store.insert(.init(name: "bake", script: "/b.lua"), owner: me)
        XCTAssertEqual(try store.resolve("bake").id, second.id)
        XCTAssertEqual(try store.resolve(String(first.id)).script, "/a.lua")
        XCTAssertEqual(error { _ = try store.resolve("42") }?.message, "no job 42 in \(store.path)")
        XCTAssertEqual(error { _ = try store.resolve("nope") }?.message, "no job named 'nope' in \(store.path)")
        XCTAssertEqual(try store.list().map(\.id), [second.id, first.id], "newest first")
        XCTAssertEqual(try store.list(limit: 1).map(\.id), [second.id])
        XCTAssertEqual(try store.list(state: .completed), [])
    }

    // MARK: Conditional changes

    func testChangesApplyOnlyForTheOwnerAndTheRightState() throws {
        let store = try makeStore()
        let job = try store.insert(.init(name: "a", script: "/a.lua"), owner: me)
        let stranger = ProcessIdentity(pid: me.pid, startTime: (me.startTime ?? 0) + 1)
        XCTAssertFalse(try store.claim(id: job.id, owner: stranger).applied, "a reused pid is not the owner")
        XCTAssertTrue(try store.claim(id: job.id, owner: me).applied)
        XCTAssertFalse(try store.claim(id: job.id, owner: me).applied, "only a QUEUED job can be claimed")

        // `rscript jobs kill` from another process wins over what the runtime does next.
        let killed = try store.kill(id: job.id)
        XCTAssertTrue(killed.applied)
        XCTAssertEqual(killed.record?.state, .killed)
        let late = try store.finish(id: job.id, owner: me, state: .completed, result: 1)
        XCTAssertFalse(late.applied)
        XCTAssertEqual(late.record?.state, .killed, "the runtime reads the row back")
        XCTAssertFalse(try store.kill(id: job.id).applied, "an ended job is not killed again")
        XCTAssertEqual(error { _ = try store.kill(id: 999) }?.kind, .unknownJob)

        // Retry resets it and leaves it to whichever runtime serves the queue next.
        let retried = try store.retry(id: job.id)
        XCTAssertEqual(retried.state, .queued)
        XCTAssertEqual(retried.attempts, 0)
        XCTAssertNil(retried.owner)
        XCTAssertNil(retried.error)
        XCTAssertTrue(retried.isOrphaned)
        XCTAssertEqual(error { _ = try store.retry(id: job.id) }?.kind, .invalidArgument, "a QUEUED job is not retried")

        let failing = try store.insert(.init(name: "f", script: "/f.lua", maxAttempts: 2), owner: me)
        XCTAssertTrue(try store.claim(id: failing.id, owner: me).applied)
        let requeued = try store.requeue(id: failing.id, owner: me, error: .init(message: "boom", traceback: "tb"))
        XCTAssertEqual(requeued.record?.state, .queued)
        XCTAssertEqual(requeued.record?.error, .init(message: "boom", traceback: "tb"), "the last error is kept while queued")
        XCTAssertTrue(try store.delete(id: failing.id))
        XCTAssertFalse(try store.delete(id: failing.id))
        XCTAssertNil(try store.job(id: failing.id))
    }

    // MARK: Recovery

    func testRecoveryTakesOverWhatNoLiveRuntimeServes() throws {
        let store = try makeStore()
        let parent = try XCTUnwrap(ProcessIdentity.of(getppid()), "a live process other than this one")
        func add(_ name: String, owner: ProcessIdentity?, maxAttempts: Int = 2, attempts: Int = 0) throws -> Int64 {
            let job = try store.insert(.init(name: name, script: "/\(name).lua", maxAttempts: maxAttempts), owner: owner)
            for attempt in 0..<attempts {
                XCTAssertTrue(try store.claim(id: job.id, owner: owner!).applied)
                if attempt < attempts - 1 { _ = try store.requeue(id: job.id, owner: owner!, error: .init(message: "x")) }
            }
            return job.id
        }
        let queuedDead = try add("queued-dead", owner: deadRuntime)
        let activeDead = try add("active-dead", owner: deadRuntime, attempts: 1)
        let usedUp = try add("used-up", owner: deadRuntime, maxAttempts: 2, attempts: 2)
        let unowned = try store.insert(.init(name: "unowned", script: "/u.lua"), owner: nil).id
        let live = try add("live", owner: parent, attempts: 1)
        let finished = try add("finished", owner: deadRuntime, attempts: 1)
        _ = try store.finish(id: finished, owner: deadRuntime, state: .completed, result: 1)
        XCTAssertEqual(try store.orphans().map(\.name), ["queued-dead", "active-dead", "used-up", "unowned"])

        // An orphaned worker of the dead runtime, still running.
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer { if sleeper.isRunning { sleeper.terminate() } }
        let orphanedWorker = try XCTUnwrap(ProcessIdentity.of(sleeper.processIdentifier))
        try store.setWorker(id: activeDead, worker: orphanedWorker)

        let recovery = try store.recover(owner: me)
        XCTAssertEqual(recovery.adopted.map(\.id), [queuedDead, activeDead, unowned])
        XCTAssertTrue(recovery.adopted.allSatisfy { $0.state == .queued && $0.owner == me })
        XCTAssertEqual(recovery.requeued, [activeDead])
        XCTAssertEqual(recovery.dropped.map(\.id), [usedUp])
        XCTAssertEqual(recovery.killedWorkers, [orphanedWorker])
        sleeper.waitUntilExit()
        XCTAssertEqual(sleeper.terminationReason, .uncaughtSignal, "the orphaned worker was killed")

        let requeued = try XCTUnwrap(store.job(id: activeDead))
        XCTAssertEqual(requeued.attempts, 1, "the interrupted attempt counts")
        XCTAssertNil(requeued.worker)
        XCTAssertTrue(requeued.error?.message.contains("died while the job ran (attempt 1 of 2); queued again") ?? false, "\(String(describing: requeued.error))")
        let dropped = try XCTUnwrap(store.job(id: usedUp))
        XCTAssertEqual(dropped.state, .dropped)
        XCTAssertTrue(dropped.issue.contains("pid 99999999) died while the job ran (attempt 2 of 2)"), dropped.issue)
        XCTAssertEqual(try store.job(id: live)?.owner, parent, "a live runtime keeps its jobs")
        XCTAssertEqual(try store.job(id: live)?.state, .active)
        XCTAssertEqual(try store.job(id: finished)?.state, .completed, "ended jobs are left alone")

        XCTAssertTrue(try store.recover(owner: me).adopted.isEmpty, "nothing is taken twice")
        XCTAssertEqual(try store.orphans(), [])
    }

    func testRecoveryOfOneJobLeavesTheOthers() throws {
        let store = try makeStore()
        let a = try store.insert(.init(name: "a", script: "/a.lua"), owner: deadRuntime)
        let b = try store.insert(.init(name: "b", script: "/b.lua"), owner: deadRuntime)
        let recovery = try store.recover(owner: me, only: b.id)
        XCTAssertEqual(recovery.adopted.map(\.id), [b.id])
        XCTAssertEqual(try store.job(id: a.id)?.owner, deadRuntime)
    }

    func testTwoRuntimesRecoveringAtOnceNeverTakeTheSameJob() throws {
        let path = folder + "/race.db"
        let seed = try JobStore(path: path)
        for n in 0..<60 { _ = try seed.insert(.init(name: "j\(n)", script: "/j.lua"), owner: deadRuntime) }
        // Two live "runtimes" (this process and its parent) race for every job; each job must
        // go to exactly one.
        let owners = [me, try XCTUnwrap(ProcessIdentity.of(getppid()))]
        let stores = [try JobStore(path: path), try JobStore(path: path)]
        let taken = JobTestBox<[Int: [Int64]]>([:])
        let failures = JobTestBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { n in
            do {
                let ids = try stores[n].recover(owner: owners[n]).adopted.map(\.id)
                taken.update { $0[n] = ids }
            } catch {
                failures.update { $0.append("\(n): \(error)") }
            }
        }
        XCTAssertEqual(failures.value, [])
        let all = (taken.value[0] ?? []) + (taken.value[1] ?? [])
        XCTAssertEqual(Set(all).count, all.count, "no job taken twice")
        XCTAssertEqual(all.count, 60)
    }

    // MARK: Concurrency

    func testTwoStoresWritingFromTwoThreadsAtOnceAllSucceed() throws {
        let path = folder + "/shared.db"
        let stores = [try JobStore(path: path), try JobStore(path: path)]
        let perThread = 150
        let me = self.me
        let failures = JobTestBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            let store = stores[thread]
            do {
                for n in 0..<perThread {
                    let job = try store.insert(.init(name: "t\(thread)-\(n)", script: "/s.lua", passedData: ["n": .int(Int64(n))]), owner: me)
                    guard try store.claim(id: job.id, owner: me).applied else { throw JobError.invalid("claim \(job.id)") }
                    try store.saveProgress([(job.id, 0.5, nil)])
                    _ = try store.finish(id: job.id, owner: me, state: .completed, result: .int(Int64(n)))
                }
            } catch {
                failures.update { $0.append("thread \(thread): \(error)") }
            }
        }
        XCTAssertEqual(failures.value, [])
        let jobs = try JobStore(path: path).list()
        XCTAssertEqual(jobs.count, 2 * perThread)
        XCTAssertTrue(jobs.allSatisfy { $0.state == .completed && $0.result == $0.passedData["n"] })
        XCTAssertEqual(Set(jobs.map(\.id)).count, jobs.count)
    }

    // MARK: Sharing the gallery's file

    func testTheGalleryAndTheQueueOpenOneFileInEitherOrder() throws {
        // The queue first: the file becomes a gallery database the gallery accepts.
        let first = folder + "/queue-first.db"
        let jobs = try JobStore(path: first)
        _ = try jobs.insert(.init(name: "a", script: "/a.lua"), owner: me)
        let gallery = try GalleryStore(path: first)
        let render = try gallery.createRender(label: "L", renderer: "R", scene: "s")
        XCTAssertEqual(try GalleryStore(path: first, readOnly: true).snapshot(id: render.id)?.label, "L")
        XCTAssertEqual(try JobStore(path: first).list().map(\.name), ["a"])

        // The gallery first: the queue adds its tables, the gallery still opens it.
        let second = folder + "/gallery-first.db"
        _ = try GalleryStore(path: second).createRender(label: "G", renderer: "R", scene: "s")
        _ = try JobStore(path: second).insert(.init(name: "b", script: "/b.lua"), owner: me)
        XCTAssertEqual(try GalleryStore(path: second).list().map(\.label), ["G"])
        XCTAssertEqual(try JobStore(path: second).list().map(\.name), ["b"])

        // Many openers of a new file at once, of both kinds.
        let third = folder + "/race.db"
        let failures = JobTestBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { n in
            do {
                if n % 2 == 0 {
                    _ = try JobStore(path: third).insert(.init(name: "j\(n)", script: "/s.lua"), owner: nil)
                } else {
                    _ = try GalleryStore(path: third).createRender(label: "r\(n)", renderer: "R", scene: "s")
                }
            } catch {
                failures.update { $0.append("opener \(n): \(error)") }
            }
        }
        XCTAssertEqual(failures.value, [])
        XCTAssertEqual(try JobStore(path: third).list().count, 4)
        XCTAssertEqual(try GalleryStore(path: third).list().count, 4)
    }

    func testOtherFilesAndNewerSchemasAreRefused() throws {
        let text = folder + "/notes.db"
        try "not a database".write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertEqual(error { _ = try JobStore(path: text) }?.databaseKind, .notADatabase)
        XCTAssertEqual(try String(contentsOfFile: text, encoding: .utf8), "not a database", "left untouched")

        let newer = folder + "/newer.db"
        let store = try JobStore(path: newer)
        try store.write { db in try db.execute(sql: "UPDATE rscript_schemas SET version = 9 WHERE component = 'jobs'") }
        let refused = error { _ = try JobStore(path: newer) }
        XCTAssertEqual(refused?.databaseKind, .newerSchema)
        XCTAssertTrue(refused?.message.contains("schema 9; this one knows up to 1") ?? false, "\(String(describing: refused))")
        XCTAssertNoThrow(try GalleryStore(path: newer), "the gallery's own schema is untouched")
    }

    // MARK: Process identities

    func testProcessIdentitiesTellAReusedPidApart() throws {
        XCTAssertTrue(me.isAlive)
        XCTAssertNotNil(me.startTime)
        XCTAssertFalse(ProcessIdentity(pid: me.pid, startTime: (me.startTime ?? 0) + 1).isAlive)
        XCTAssertFalse(deadRuntime.isAlive)
        XCTAssertNil(ProcessIdentity.of(99_999_999))
    }

    func testFormatShowsTheTableAndThePage() throws {
        let store = try makeStore()
        let job = try store.insert(.init(name: "bake", script: "/bake.lua", passedData: ["frames": 3], maxAttempts: 2), owner: nil)
        let table = JobFormat.table([job])
        XCTAssertTrue(table.hasPrefix("ID  NAME  STATE"), table)
        XCTAssertTrue(table.contains("QUEUED (unserved)") && table.contains("0/2"), table)
        let page = JobFormat.page(job)
        XCTAssertTrue(page.contains("passed data  {\"frames\":3}"), page)
        XCTAssertEqual(JobFormat.summary(job), "job \(job.id) (bake) QUEUED")
    }
}

/// A value shared by the threads of a test.
final class JobTestBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.lock(); defer { lock.unlock() }; return stored }
    func update(_ body: (inout T) -> Void) { lock.lock(); body(&stored); lock.unlock() }
}
