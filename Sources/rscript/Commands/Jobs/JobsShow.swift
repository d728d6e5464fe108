import ArgumentParser
import RenderAutomation

/// `rscript jobs show ID`: one job, every field.
struct JobsShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one job: every field, its result or its error with the traceback.",
        discussion: "--json prints the job as one JSON object."
    )

    @Argument(help: ArgumentHelp("The job's id or name.", valueName: "ID"))
    var id: String

    @OptionGroup var options: JobsOptions

    func run() throws {
        try reportingJobErrors {
            let (_, job) = try options.resolve(id)
            printLine(options.json ? job.jsonValue().jsonText : JobFormat.page(job))
        }
    }
}
