import ArgumentParser
import RenderAutomation

/// `rscript jobs retry ID`: queue an ended job again.
struct JobsRetry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue a DROPPED, KILLED or TIMED_OUT job again.",
        discussion: """
            Its attempts, progress, result and error are reset; it keeps its id, name,
            script, data and log. It runs when a runtime serves the queue:
            `rscript jobs wait ID` or `rscript jobs run` (or the next
            JobManager.get_instance()). --wait does that at once.
            """
    )

    @Argument(help: ArgumentHelp("The job's id or name.", valueName: "ID"))
    var id: String

    @Flag(help: "Run it now and wait for it (as `jobs wait`).")
    var wait = false

    @OptionGroup var options: JobsOptions

    func run() throws {
        var status: Int32 = 0
        try reportingJobErrors {
            let (store, job) = try options.resolve(id)
            let record = try store.retry(id: job.id)
            if wait {
                status = try JobsWait.wait(store: store, id: record.id, json: options.json)
            } else {
                printLine(options.json ? record.jsonValue().jsonText
                          : "job \(record.id) (\(record.name)) is queued again; run it with: rscript jobs wait \(record.id)")
            }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
