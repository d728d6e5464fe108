import ArgumentParser
import RenderAutomation

/// `rscript jobs list`: the jobs, newest first.
struct JobsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs, newest first.",
        discussion: """
            Columns: id, name, state, attempts (started/allowed), progress, start time
            of the current or last attempt, its duration. A job whose rscript process
            died shows as "(orphaned)": the next runtime to open the queue takes it.

            --json prints an array of job objects (as `jobs show --json`).
            """
    )

    @OptionGroup var options: JobsOptions

    @Option(help: ArgumentHelp("Only jobs in this state (QUEUED, ACTIVE, COMPLETED, DROPPED, KILLED, TIMED_OUT).", valueName: "STATE"))
    var state: JobState?

    @Option(help: ArgumentHelp("At most this many jobs.", valueName: "N"))
    var limit: Int?

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be a positive number, got \(limit)") }
    }

    func run() throws {
        try reportingJobErrors {
            let jobs = try options.openIfExists()?.list(limit: limit, state: state) ?? []
            if options.json {
                printLine(JSONValue.array(jobs.map { $0.jsonValue() }).jsonText)
            } else if jobs.isEmpty {
                printLine("no jobs" + (state.map { " \($0.rawValue)" } ?? "") + " in \(options.path)")
            } else {
                printLine(JobFormat.table(jobs))
            }
        }
    }
}
