import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Finds what changed in the database, whichever process wrote it, and publishes it as events.
///
/// SQLite cannot notify another process, so the watcher listens to the file system instead:
/// inotify on the database's folder wakes it when the database or its WAL file is written (a
/// commit in WAL mode always writes the WAL). It then waits a moment for the burst to end (a
/// render's poll turn is several writes), asks `PRAGMA data_version` whether anything was
/// committed since its last look, and only then reads the rows whose `updatedAt` moved (indexed:
/// `ServeDatabase.schema`). Nothing is reread on a timer: when nothing is written, the thread
/// sleeps in `poll` and costs nothing. The logs of live items are watched the same way, and a
/// growing log gives `log` events (at most four a second per log).
final class ServeWatcher: @unchecked Sendable {
    // @unchecked: everything but `stopped` is touched by the watcher's own thread only.
    let database: ServeDatabase
    let events: ServeEvents
    let metrics: ServeMetrics
    /// Seconds between keep-alive comments. A stream that only writes learns that its client left
    /// at its second write after the close (the first fills the socket; the peer's reset fails the
    /// next), so this also bounds how long a departed subscriber holds its place: 2 × 5 s.
    static let keepAliveInterval = 5.0
    /// How long after the first write of a burst the watcher reads (the rest of the burst joins it).
    var settle = 0.015
    private let stopped = Atomic<Bool>(false)
    private var inotify: Int32 = -1
    private var wake: [Int32] = [-1, -1]
    private var folderWatch: Int32 = -1
    private var names: Set<String> = []
    private var queue: DatabaseQueue?
    private var dataVersion: Int64 = -1
    private var scan = ServeScan()
    /// The logs of live items: watch descriptor -> (kind, id, path), and back.
    private var logWatches: [Int32: (kind: String, id: Int64, path: String)] = [:]
    private var watchByPath: [String: Int32] = [:]
    private var lastLogEvent: [Int32: Double] = [:]
    private var pendingLogs: Set<Int32> = []

    init(database: ServeDatabase, events: ServeEvents, metrics: ServeMetrics) {
        self.database = database
        self.events = events
        self.metrics = metrics
    }

    func start() throws {
        inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else { throw ServeError(.internalServerError, "inotify: \(String(cString: strerror(errno)))") }
        guard pipe(&wake) == 0 else { throw ServeError(.internalServerError, "pipe: \(String(cString: strerror(errno)))") }
        let folder = Environment.directory(of: database.path)
        let base = (database.path as NSString).lastPathComponent
        names = [base, base + "-wal"]
        folderWatch = inotify_add_watch(inotify, folder, UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO))
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "rscript.serve.watcher"
        queue = try DatabaseQueue(path: database.path, configuration: configuration)
        dataVersion = try currentDataVersion()
        scan.watermark = Date().timeIntervalSince1970
        try database.read { db in try scan.prime(db) }
        let thread = Thread { [self] in run() }
        thread.name = "rscript.serve.watcher"
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = write(wake[1], &byte, 1)
    }

    private func currentDataVersion() throws -> Int64 {
        try queue!.read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    private func run() {
        var lastKeepAlive = MonotonicClock.now()
        while !stopped.load(ordering: .relaxed) {
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0)]
            // A quiet wake every few seconds: keep-alives, and a data_version check in case the file
            // system did not report a write (a network mount).
            let ready = poll(&fds, 2, pendingLogs.isEmpty ? Int32(Self.keepAliveInterval * 1000) : 250)
            if stopped.load(ordering: .relaxed) { break }
            var databaseTouched = ready == 0
            if ready > 0 && fds[0].revents != 0 {
                databaseTouched = drainInotify() || databaseTouched
                if databaseTouched { usleep(useconds_t(settle * 1_000_000)); _ = drainInotify() }
            }
            if databaseTouched { check() }
            flushLogEvents()
            let now = MonotonicClock.now()
            if now - lastKeepAlive >= Self.keepAliveInterval {
                events.keepAlive()
                lastKeepAlive = now
            }
        }
        close(inotify)
        close(wake[0])
        close(wake[1])
    }

    /// Reads the pending inotify events; true when the database or its WAL was written.
    private func drainInotify() -> Bool {
        var touched = false
        let size = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: size)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, size) }
            guard n > 0 else { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let (wd, length, name) = buffer.withUnsafeBytes { raw -> (Int32, Int, String) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let start = offset + MemoryLayout<inotify_event>.size
                    let nameBytes = raw[start..<min(n, start + Int(event.len))].prefix { $0 != 0 }
                    return (event.wd, Int(event.len), String(decoding: nameBytes, as: UTF8.self))
                }
                if wd == folderWatch {
                    if names.contains(name) { touched = true }
                } else if logWatches[wd] != nil {
                    pendingLogs.insert(wd)
                }
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
        return touched
    }

    private func check() {
        do {
            let version = try currentDataVersion()
            guard version != dataVersion else { return }
            dataVersion = version
            let found = try database.read { db in try scan.changes(db) }
            events.publish(found.events)
            for (kind, seconds) in found.ended { metrics.observe(kind, seconds: seconds) }
            for log in found.liveLogs { watchLog(log) }
            for path in found.endedLogs { unwatchLog(path) }
        } catch {
            StandardError.write("rscript: serve: reading changes from \(database.path) failed: \(error)\n")
        }
    }

    private func watchLog(_ log: (kind: String, id: Int64, path: String)) {
        guard watchByPath[log.path] == nil else { return }
        let wd = inotify_add_watch(inotify, log.path, UInt32(IN_MODIFY))
        guard wd >= 0 else { return }  // not written yet: the next change looks again
        logWatches[wd] = log
        watchByPath[log.path] = wd
    }

    private func unwatchLog(_ path: String) {
        guard let wd = watchByPath.removeValue(forKey: path) else { return }
        // One last event: the final lines.
        if let log = logWatches.removeValue(forKey: wd) { publishLog(log) }
        inotify_rm_watch(inotify, wd)
        lastLogEvent[wd] = nil
        pendingLogs.remove(wd)
    }

    private func flushLogEvents() {
        let now = MonotonicClock.now()
        for wd in pendingLogs {
            guard let log = logWatches[wd] else { pendingLogs.remove(wd); continue }
            if now - (lastLogEvent[wd] ?? 0) < 0.25 { continue }
            lastLogEvent[wd] = now
            pendingLogs.remove(wd)
            publishLog(log)
        }
    }

    private func publishLog(_ log: (kind: String, id: Int64, path: String)) {
        events.publish([("log", .object([
            "kind": .string(log.kind), "id": .int(log.id), "size": .int(Int64(LogTail.size(log.path) ?? 0)),
        ]))])
    }
}
