/// Where a job is in its life (the seed's names, plus KILLED and TIMED_OUT).
///
/// QUEUED → ACTIVE → COMPLETED; an attempt that raises or whose worker dies goes back to QUEUED
/// while attempts remain, else to DROPPED. KILLED and TIMED_OUT end a job at once. A DROPPED,
/// KILLED or TIMED_OUT job may be queued again (`rscript jobs retry`).
public enum JobState: String, Sendable, CaseIterable, Codable {
    case queued = "QUEUED"
    case active = "ACTIVE"
    case completed = "COMPLETED"
    case dropped = "DROPPED"
    case killed = "KILLED"
    case timedOut = "TIMED_OUT"

    /// COMPLETED, DROPPED, KILLED or TIMED_OUT: nothing more will happen to the job.
    public var isEnded: Bool { self != .queued && self != .active }

    /// A job in this state may be queued again.
    public var isRetryable: Bool { self == .dropped || self == .killed || self == .timedOut }

    /// Parses `QUEUED`, `queued`, `timed-out`, ... (what the CLI accepts).
    public init?(loosely text: String) {
        let upper = String(text.uppercased().map { $0 == "-" ? "_" : $0 })
        self.init(rawValue: upper)
    }
}
