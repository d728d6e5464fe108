import ArgumentParser
import Foundation
import RenderAutomation

/// `rscript jobs wait ID`: wait for a job to end (running it if no runtime does).
struct JobsWait: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until a job ends; run it here if no live rscript process serves it.",
        discussion: """
            While the rscript process that owns the job runs, this polls the database.
            When no live process serves it (its process died, or `jobs retry` queued
            it), this one takes it over and runs it. Prints `job ID (NAME) STATE ...`;
            exits 0 when the job COMPLETED, 1 otherwise (the issue on standard error).
            --json prints the job object instead.
            """
    )

    @Argument(help: ArgumentHelp("The job's id or name.", valueName: "ID"))
    var id: String

    @OptionGroup var options: JobsOptions

    func run() throws {
        var status: Int32 = 0
        try reportingJobErrors {
            let (store, job) = try options.resolve(id)
            status = try Self.wait(store: store, id: job.id, json: options.json)
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Waits for (or runs) job `id`, prints the outcome, returns the exit status.
    static func wait(store: JobStore, id: Int64, json: Bool) throws -> Int32 {
        var interrupted = false
        while true {
            guard let job = try store.job(id: id) else { throw JobError.unknownJob(String(id), path: store.path) }
            if job.state.isEnded { return report(job, json: json) }
            if job.isOrphaned {
                if try OrphanedJobRunner(store: store).runOne(id: id) == .interrupted { interrupted = true }
                guard let ended = try store.job(id: id) else { throw JobError.unknownJob(String(id), path: store.path) }
                if interrupted || ended.state.isEnded {
                    let status = report(ended, json: json)
                    return interrupted ? 130 : status
                }
            }
            Thread.sleep(forTimeInterval: 0.15)
        }
    }

    static func report(_ job: JobRecord, json: Bool) -> Int32 {
        printLine(json ? job.jsonValue().jsonText : JobFormat.summary(job))
        guard job.state == .completed else {
            if !json, !job.issue.isEmpty { StandardError.write("rscript: job \(job.id) (\(job.name)): \(job.issue)\n") }
            return 1
        }
        return 0
    }
}
