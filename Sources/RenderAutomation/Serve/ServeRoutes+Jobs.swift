import Foundation
import Hummingbird

extension ServeRoutes {
    func jobRoutes() -> [ServeRoute] {
        [
            listRoute("/api/v1/jobs", summary: "Jobs of the queue, newest first, one page at a time.", key: "jobs",
                      states: JobState.allNames, text: "name", fetch: { try $0.jobList($1) }, json: { ServeJSON.job($0, now: $1) }),
            ServeRoute(method: .get, pattern: "/api/v1/jobs/{id}", summary: "One job: state, progress, attempts, result or error.") { [unowned self] request in
                ServeResponse.json(ServeJSON.job(try await job(request.id())))
            },
            ServeRoute(method: .get, pattern: "/api/v1/jobs/{id}/log", summary: "The last lines of the job's log.",
                       query: [("tail", "how many lines (default 200)")], produces: "text/plain") { [unowned self] request in
                let lines = try ServeQuery.tail(request)
                let record = try await job(request.id())
                guard let log = record.logPath else { throw ServeError.notFound("job \(record.id) has no log yet") }
                guard let text = LogTail.read(log, lines: lines) else { throw ServeError.notFound("job \(record.id)'s log \(log) is gone") }
                return ServeResponse.text(text)
            },
            ServeRoute(method: .post, pattern: "/api/v1/jobs/{id}/kill", summary: "Kills the job (its worker's whole process tree).") { [unowned self] request in
                let id = request.id()
                let change = try await blocking { [database] () throws -> JobStore.Change in
                    do { return try database.jobs.kill(id: id, reason: "killed (rscript serve)") } catch let error as JobError { throw ServeRoutes.mapped(error) }
                }
                guard change.applied, let record = change.record else {
                    let state = change.record?.state.rawValue ?? "ended"
                    throw ServeError.conflict("job \(id) has already ended (\(state)): there is nothing to kill")
                }
                return ServeResponse.json(.object(["ok": true, "job": ServeJSON.job(record)]))
            },
            ServeRoute(method: .post, pattern: "/api/v1/jobs/{id}/retry", summary: "Queues a DROPPED, KILLED or TIMED_OUT job again.") { [unowned self] request in
                let id = request.id()
                let record = try await blocking { [database] () throws -> JobRecord in
                    do { return try database.jobs.retry(id: id) } catch let error as JobError { throw ServeRoutes.mapped(error) }
                }
                return ServeResponse.json(.object(["ok": true, "job": ServeJSON.job(record)]))
            },
        ]
    }

    func job(_ id: Int64) async throws -> JobRecord {
        guard let record = try await blocking({ [database] in try database.job(id: id) }) else {
            throw ServeError.notFound("no job has id \(id)")
        }
        return record
    }

    /// The job store's refusals as HTTP: unknown is 404, a job in the wrong state 409.
    static func mapped(_ error: JobError) -> any Error {
        switch error.kind {
        case .unknownJob: ServeError.notFound(error.message)
        case .invalidArgument: ServeError.conflict(error.message)
        default: error
        }
    }
}
