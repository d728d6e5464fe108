import Foundation

/// One job as the queue stores it: what to run, where it is, and what came of it.
public struct JobRecord: Sendable, Equatable {
    public var id: Int64
    /// The name `add_job` was given (unique within one job manager, not across the database).
    public var name: String
    /// The job script (an absolute path).
    public var script: String
    /// What the script sees as `passed_data`.
    public var passedData: JSONValue
    /// Seconds an attempt may run before the job is TIMED_OUT; nil for no limit.
    public var timeout: Double?
    public var maxAttempts: Int
    public var state: JobState
    /// Attempts started so far (an attempt interrupted by its runtime's death counts).
    public var attempts: Int
    /// 0...1, as the script last reported it (written at most every half second while it runs).
    public var progress: Double
    public var progressMessage: String?
    /// The script's return value, or its `python_data` global, once COMPLETED.
    public var result: JSONValue?
    /// Why the last attempt failed (kept while the job is queued again), or why it ended.
    public var error: Failure?
    /// Where the worker's output goes (every attempt appends).
    public var logPath: String?
    /// The rscript process that serves the job (nil: none yet; any runtime may take it).
    public var owner: ProcessIdentity?
    /// The worker process of the running attempt.
    public var worker: ProcessIdentity?
    public var createdAt: Date
    /// When the current (or last) attempt started.
    public var startedAt: Date?
    public var endedAt: Date?
    public var updatedAt: Date

    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var traceback: String?
        public init(message: String, traceback: String? = nil) {
            self.message = message
            self.traceback = traceback
        }
        /// The message, then the traceback.
        public var description: String {
            guard let traceback, !traceback.isEmpty else { return message }
            return message + "\n" + traceback
        }
    }

    /// What the seed's `get_issue_string` returns: "timed out", the error with its traceback
    /// (or the worker's last output lines), or "" when nothing went wrong.
    public var issue: String {
        if state == .timedOut { return "timed out" }
        if state == .completed { return "" }
        return error?.description ?? ""
    }

    /// How long the current (or last) attempt ran; nil before the first.
    public func duration(now: Date = Date()) -> TimeInterval? {
        guard let startedAt else { return nil }
        let end = state == .active ? now : (endedAt ?? updatedAt)
        return max(0, end.timeIntervalSince(startedAt))
    }

    /// Whether the job is waiting or running under a runtime that is gone (a later runtime
    /// recovers it).
    public var isOrphaned: Bool {
        guard !state.isEnded else { return false }
        guard let owner else { return true }
        return !owner.isAlive
    }
}

extension JobRecord {
    /// The job as one JSON object (`rscript jobs show --json`): `id`, `name`, `script`,
    /// `passedData`, `timeout`, `maxAttempts`, `state`, `orphaned`, `attempts`, `progress`,
    /// `progressMessage`, `result`, `error` (`{message, traceback}`), `issue`, `logPath`,
    /// `ownerPid`, `workerPid`, `createdAt`, `startedAt`, `endedAt`, `updatedAt` (ISO 8601
    /// UTC strings), `duration` (seconds). Missing values are `null`.
    public func jsonValue(now: Date = Date()) -> JSONValue {
        func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func time(_ d: Date?) -> JSONValue { d.map { .string(GalleryFormat.isoTime($0)) } ?? .null }
        return .object([
            "id": .int(id),
            "name": .string(name),
            "script": .string(script),
            "passedData": passedData,
            "timeout": timeout.map(JSONValue.double) ?? .null,
            "maxAttempts": .int(Int64(maxAttempts)),
            "state": .string(state.rawValue),
            "orphaned": .bool(isOrphaned),
            "attempts": .int(Int64(attempts)),
            "progress": .double(progress),
            "progressMessage": optional(progressMessage),
            "result": result ?? .null,
            "error": error.map { .object(["message": .string($0.message), "traceback": optional($0.traceback)]) } ?? .null,
            "issue": .string(issue),
            "logPath": optional(logPath),
            "ownerPid": owner.map { .int(Int64($0.pid)) } ?? .null,
            "workerPid": worker.map { .int(Int64($0.pid)) } ?? .null,
            "createdAt": time(createdAt),
            "startedAt": time(startedAt),
            "endedAt": time(endedAt),
            "updatedAt": time(updatedAt),
            "duration": duration(now: now).map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
        ])
    }
}
