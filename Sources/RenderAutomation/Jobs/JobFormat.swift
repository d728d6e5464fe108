import Foundation

/// How `rscript jobs` shows jobs to people: the list table, the `show` page, the `wait` line.
/// Pure functions of records (tested directly).
public enum JobFormat {
    /// `2/3`: attempts started of those allowed.
    public static func attempts(_ job: JobRecord) -> String { "\(job.attempts)/\(job.maxAttempts)" }

    /// The state, with `(orphaned)` when the runtime serving it is gone, `(unserved)` when no
    /// runtime has taken it yet (after `jobs retry`).
    public static func displayState(_ job: JobRecord) -> String {
        guard job.isOrphaned else { return job.state.rawValue }
        return job.state.rawValue + (job.owner == nil ? " (unserved)" : " (orphaned)")
    }

    /// The `jobs list` table: a header and one line per job (newest first, as given).
    public static func table(_ jobs: [JobRecord], now: Date = Date()) -> String {
        let header = ["ID", "NAME", "STATE", "ATTEMPTS", "PROGRESS", "STARTED", "DURATION"]
        let rows = jobs.map { j in
            [String(j.id), j.name, displayState(j), attempts(j), GalleryFormat.percent(j.progress * 100),
             j.startedAt.map { GalleryFormat.localTime($0) } ?? "-",
             j.duration(now: now).map(SecondsText.short) ?? "-"]
        }
        let rightAligned: Set<Int> = [0, 3, 4, 6]
        return GalleryFormat.columns(header: header, rows: rows, rightAligned: rightAligned)
    }

    /// The `jobs show` page: every field.
    public static func page(_ j: JobRecord, now: Date = Date()) -> String {
        var fields: [(String, String)] = [
            ("id", String(j.id)),
            ("name", j.name),
            ("state", displayState(j)),
            ("script", j.script),
            ("passed data", j.passedData.jsonText),
            ("attempts", attempts(j)),
            ("timeout", j.timeout.map(SecondsText.short) ?? "none"),
            ("progress", GalleryFormat.percent(j.progress * 100) + (j.progressMessage.map { "  " + $0 } ?? "")),
            ("created", GalleryFormat.localTime(j.createdAt)),
            ("started", j.startedAt.map { GalleryFormat.localTime($0) } ?? "-"),
            ("ended", j.endedAt.map { GalleryFormat.localTime($0) } ?? "-"),
            ("duration", j.duration(now: now).map(SecondsText.short) ?? "-"),
            ("updated", GalleryFormat.localTime(j.updatedAt, withMilliseconds: true)),
            ("runtime pid", j.owner.map { String($0.pid) } ?? "-"),
            ("worker pid", j.worker.map { String($0.pid) } ?? "-"),
            ("log", j.logPath ?? "-"),
            ("result", j.result?.jsonText ?? "-"),
        ]
        if let error = j.error {
            fields.append(("error", error.message))
            if let traceback = error.traceback, !traceback.isEmpty { fields.append(("traceback", traceback)) }
        }
        return GalleryFormat.aligned(fields, indent: "").joined(separator: "\n")
    }

    /// `job 3 (bake) COMPLETED after 2 attempts in 4.1s`.
    public static func summary(_ j: JobRecord, now: Date = Date()) -> String {
        var text = "job \(j.id) (\(j.name)) \(j.state.rawValue)"
        if j.attempts > 1 { text += " after \(j.attempts) attempts" }
        if let duration = j.duration(now: now) { text += " in " + SecondsText.short(duration) }
        return text
    }
}
