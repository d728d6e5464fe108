import ArgumentParser
import RenderAutomation

/// `rscript jobs run`: serve the queue until no job is left to run.
struct JobsRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the jobs no live rscript process serves, until none is left.",
        discussion: """
            Takes over jobs left QUEUED or ACTIVE by rscript processes that died (ACTIVE
            ones are queued again, or DROPPED when their attempts are used up), and jobs
            queued again by `jobs retry`, and runs them (at most --max-workers at
            once). Prints a line per job as it ends. Exits 0 when every job it ran
            COMPLETED, 1 otherwise, 130 after Ctrl-C (the running jobs are KILLED).
            --json prints one job object per line instead.
            """
    )

    @Option(help: ArgumentHelp("Jobs run at once (default: the number of cores).", valueName: "N"))
    var maxWorkers: Int?

    @OptionGroup var options: JobsOptions

    func validate() throws {
        if let maxWorkers, maxWorkers <= 0 { throw ValidationError("--max-workers must be at least 1, got \(maxWorkers)") }
    }

    func run() throws {
        var status: Int32 = 0
        try reportingJobErrors {
            let store = try JobStore(path: options.path)
            var ended = 0, failed = 0
            let outcome = try OrphanedJobRunner(store: store, maxWorkers: maxWorkers).runAll { job in
                ended += 1
                if job.state != .completed { failed += 1 }
                printLine(options.json ? job.jsonValue().jsonText : JobFormat.summary(job))
            }
            if outcome == .interrupted {
                status = 130
            } else if failed > 0 {
                status = 1
            }
            if !options.json && ended == 0 { printLine("no jobs to run in \(options.path)") }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
