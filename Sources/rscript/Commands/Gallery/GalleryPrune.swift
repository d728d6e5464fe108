import ArgumentParser
import Foundation
import RenderAutomation

/// `rscript gallery prune --older-than 30d`: retention for the whole database.
struct GalleryPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove renders, jobs, pool tasks and frame chunks that ended long ago.",
        discussion: """
            Removes, in one transaction, what ended before the period: renders that
            finished, failed or were stopped (with their images, metadata and the work
            folder the gallery made for them), jobs that completed, were dropped,
            killed or timed out (with their log files), pool tasks that finished,
            failed or were cancelled, and frame renders that ended (with all their
            chunks). Anything still rendering, queued or running is kept, however
            old. Files outside rscript's own folders (frames, chunk logs, scenes) are
            never touched.

            PERIOD is a number and a unit: s, m, h, d or w (30d, 12h, 2w). Without
            --older-than, the RSCRIPT_RETENTION setting is used; when it is set,
            every rscript process also applies it once, the first time it opens the
            database for writing.
            """
    )

    @Option(help: ArgumentHelp("Remove what ended more than PERIOD ago (default: $RSCRIPT_RETENTION).", valueName: "PERIOD"))
    var olderThan: String?

    @Flag(help: "Only show what would be removed.")
    var dryRun = false

    @OptionGroup var options: GalleryOptions

    func validate() throws {
        if let olderThan, RetentionPeriod(olderThan) == nil {
            throw ValidationError("--older-than \(olderThan) is not a period: a number and a unit, s, m, h, d or w (for example 30d)")
        }
    }

    func run() throws {
        try reportingGalleryErrors {
            let period: RetentionPeriod
            if let olderThan, let given = RetentionPeriod(olderThan) {
                period = given
            } else if let configured = try RetentionPeriod.configured() {
                period = configured
            } else {
                throw GalleryError(.invalidArgument, path: options.path, message:
                    "give --older-than PERIOD (for example 30d), or set \(RetentionPeriod.environmentKey)")
            }
            let report = try DatabasePrune.prune(path: options.path, olderThan: period, dryRun: dryRun)
            if options.json {
                printLine(report.jsonValue.jsonText)
                return
            }
            let verb = dryRun ? "would remove" : "removed"
            if report.isEmpty {
                printLine("nothing ended more than \(period) ago in \(options.path)")
                return
            }
            var parts = ["\(report.renders.count) render(s)", "\(report.jobs.count) job(s)", "\(report.poolTasks) pool task(s)",
                         "\(report.frameRenders.count) frame render(s) with \(report.frameChunks) chunk(s)"]
            parts.append("\(report.files.count) folder(s) and file(s)")
            printLine("\(verb) \(parts.joined(separator: ", ")) that ended more than \(period) ago")
        }
    }
}
