import Foundation
import GRDB
import Prometheus

/// `GET /metrics`: the gallery database's state in Prometheus's text format.
///
/// Counts by state and the attempt totals are read from the database at each scrape (one
/// `GROUP BY` per table: they describe the file, whoever wrote it). Durations are histograms,
/// seeded from the rows that had ended when the server started and fed by the watcher as it sees
/// renders and chunks end, so a scrape never rereads history.
final class ServeMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let renderDuration: ValueHistogram
    private let chunkDuration: ValueHistogram
    private let jobDuration: ValueHistogram
    static let buckets: [Double] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400]

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func histogram(_ name: String, _ help: String) -> ValueHistogram {
            registry.makeValueHistogram(
                descriptor: MetricNameDescriptor(namespace: "rscript", metricName: name, unitName: "seconds", helpText: help),
                buckets: Self.buckets)
        }
        renderDuration = histogram("render_duration", "How long ended renders took, from start to end.")
        chunkDuration = histogram("chunk_duration", "How long ended frame-render chunks took.")
        jobDuration = histogram("job_duration", "How long ended jobs took, from their first start to their end.")
    }

    enum Kind { case render, chunk, job }

    func observe(_ kind: Kind, seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        switch kind {
        case .render: renderDuration.record(seconds)
        case .chunk: chunkDuration.record(seconds)
        case .job: jobDuration.record(seconds)
        }
    }

    /// Feeds the histograms with what had ended before the server started.
    func seed(from database: ServeDatabase) throws {
        try database.read { db in
            for (kind, sql) in [
                (Kind.render, "SELECT endedAt - startedAt FROM renders WHERE endedAt IS NOT NULL"),
                (.chunk, "SELECT endedAt - startedAt FROM frame_chunks WHERE endedAt IS NOT NULL AND startedAt IS NOT NULL"),
                (.job, "SELECT endedAt - startedAt FROM jobs WHERE endedAt IS NOT NULL AND startedAt IS NOT NULL"),
            ] {
                for seconds in try Double.fetchAll(db, sql: sql) { observe(kind, seconds: seconds) }
            }
        }
    }

    /// The text of one scrape.
    func scrape(_ database: ServeDatabase, subscribers: Int) throws -> [UInt8] {
        try database.read { db in
            func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
                registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "rscript", metricName: name, unitName: "", helpText: help), labels: labels)
            }
            func byState(_ table: String, _ name: String, _ help: String, states: [String]) throws {
                var counts = Dictionary(uniqueKeysWithValues: states.map { ($0, 0) })
                for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM \(table) GROUP BY state") {
                    counts[row["state"]] = row["n"]
                }
                for (state, n) in counts { gauge(name, help, labels: [("state", state)]).set(Double(n)) }
            }
            try byState("renders", "renders", "Renders in the gallery, by state.", states: RenderState.allNames)
            try byState("jobs", "jobs", "Jobs in the queue, by state.", states: JobState.allNames)
            try byState("frame_chunks", "chunks", "Frame-render chunks, by state.",
                        states: ["queued", "rendering", "done", "retried", "failed", "interrupted"])
            let attempts = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(attempts), 0) AS attempts,
                       COALESCE(SUM(CASE WHEN state IN ('DROPPED', 'TIMED_OUT') THEN 1 ELSE 0 END), 0) AS failed,
                       COALESCE(SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END), 0) AS retries
                FROM jobs
                """)
            gauge("job_attempts", "Attempts made by all the jobs in the queue.").set(Double(attempts?["attempts"] as Int? ?? 0))
            gauge("job_failures", "Jobs that ended DROPPED or TIMED_OUT.").set(Double(attempts?["failed"] as Int? ?? 0))
            gauge("job_retries", "Attempts beyond each job's first.").set(Double(attempts?["retries"] as Int? ?? 0))
            let pids = try Int32.fetchAll(db, sql: """
                SELECT pid FROM renders WHERE state = 'rendering' AND pid IS NOT NULL
                UNION SELECT workerPid FROM jobs WHERE state = 'ACTIVE' AND workerPid IS NOT NULL
                UNION SELECT pid FROM frame_chunks WHERE state = 'rendering' AND pid IS NOT NULL
                """)
            gauge("active_processes", "Live render, job-worker and chunk processes recorded in the database.")
                .set(Double(pids.filter(ProcessLiveness.isAlive).count))
            gauge("event_subscribers", "Clients following GET /api/v1/events.").set(Double(subscribers))
        }
        return registry.emitToBuffer()
    }
}

extension RenderState {
    static let allNames = ["rendering", "finished", "failed", "stopped"]
}

extension JobState {
    static let allNames = ["QUEUED", "ACTIVE", "COMPLETED", "DROPPED", "KILLED", "TIMED_OUT"]
}
