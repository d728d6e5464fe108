import ArgumentParser
import Foundation
import RenderAutomation

/// Flags every `jobs` subcommand has: `--db PATH` and `--json`.
struct JobsOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The database (default: $RSCRIPT_DB, else ~/.local/share/rscript/rscript.db).",
        valueName: "PATH"))
    var db: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    var path: String { db ?? JobStore.defaultPath() }

    /// Opens the queue; nil when the database file does not exist (nothing is created).
    func openIfExists() throws -> JobStore? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JobStore(path: path)
    }

    /// Opens the queue and finds the job `reference` (an id or a name).
    /// - Throws: `JobError.unknownJob` (also when there is no database).
    func resolve(_ reference: String) throws -> (JobStore, JobRecord) {
        guard let store = try openIfExists() else { throw JobError.unknownJob(reference, path: path) }
        return (store, try store.resolve(reference))
    }
}

/// Runs a jobs command's body, printing a `JobError` as `rscript: message` on standard error
/// and exiting 1.
func reportingJobErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as JobError {
        StandardError.write("rscript: \(error)\n")
        throw ExitCode.failure
    }
}

extension JobState: ExpressibleByArgument {
    public init?(argument: String) { self.init(loosely: argument) }
}
