import ArgumentParser
import Foundation
import RenderAutomation

/// `rscript jobs logs ID [--follow]`: the job's output.
struct JobsLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a job's log: its output and rscript's notes on each attempt.",
        discussion: """
            Every attempt appends to one log file per job (beside the database, in
            NAME-jobs/ID.log). --follow keeps printing as the log grows until the job
            has ended. --json prints {"id", "logPath", "log"} (without --follow).
            """
    )

    @Argument(help: ArgumentHelp("The job's id or name.", valueName: "ID"))
    var id: String

    @Flag(name: [.short, .long], help: "Keep printing until the job ends.")
    var follow = false

    @OptionGroup var options: JobsOptions

    func validate() throws {
        if follow && options.json { throw ValidationError("--follow and --json cannot be used together") }
    }

    func run() throws {
        try reportingJobErrors {
            let (store, job) = try options.resolve(id)
            if follow {
                _ = try JobLogFollower(store: store, id: job.id).run { bytes in
                    FileHandle.standardOutput.write(Data(bytes))
                }
                return
            }
            let text = job.logPath.flatMap { FileManager.default.contents(atPath: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            if options.json {
                printLine(JSONValue.object([
                    "id": .int(job.id),
                    "logPath": job.logPath.map(JSONValue.string) ?? .null,
                    "log": .string(text),
                ]).jsonText)
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
