import ArgumentParser
import RenderAutomation

/// `rscript jobs kill ID`: kill a waiting or running job.
struct JobsKill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "Kill a queued or running job (a running one's whole process tree).",
        discussion: """
            The job becomes KILLED; the rscript process serving it sees its worker die
            and leaves it so. A job that has already ended is an error (exit 1).
            """
    )

    @Argument(help: ArgumentHelp("The job's id or name.", valueName: "ID"))
    var id: String

    @OptionGroup var options: JobsOptions

    func run() throws {
        try reportingJobErrors {
            let (store, job) = try options.resolve(id)
            let change = try store.kill(id: job.id)
            let record = change.record ?? job
            guard change.applied else {
                throw JobError(.invalidArgument, "job \(job.id) (\(job.name)) has already ended (\(record.state.rawValue))")
            }
            printLine(options.json ? record.jsonValue().jsonText : "killed job \(job.id) (\(job.name))")
        }
    }
}
