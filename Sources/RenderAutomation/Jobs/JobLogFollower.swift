import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `rscript jobs logs ID --follow` does: prints the job's log as it grows, until the job
/// has ended (then the rest of the file).
public struct JobLogFollower {
    public var store: JobStore
    public var id: Int64
    public var interval: TimeInterval

    public init(store: JobStore, id: Int64, interval: TimeInterval = 0.1) {
        self.store = store
        self.id = id
        self.interval = interval
    }

    /// Follows until the job ends; `emit` gets the bytes of the log as they come. Returns the
    /// job as it ended.
    /// - Throws: `JobError.unknownJob` (also when the job is deleted while followed).
    public func run(emit: ([UInt8]) -> Void) throws -> JobRecord {
        var offset: off_t = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        func drain(_ path: String?) {
            guard let path else { return }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            defer { close(fd) }
            while true {
                let n = pread(fd, &buffer, buffer.count, offset)
                if n <= 0 { break }
                offset += off_t(n)
                emit(Array(buffer[0..<n]))
            }
        }
        while true {
            guard let job = try store.job(id: id) else { throw JobError.unknownJob(String(id), path: store.path) }
            drain(job.logPath)
            if job.state.isEnded || job.isOrphaned {
                drain(job.logPath)
                return job
            }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
