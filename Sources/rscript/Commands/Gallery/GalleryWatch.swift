import ArgumentParser
import RenderAutomation

/// `rscript gallery watch ID`: follow one render until it ends.
struct GalleryWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow one render until it ends.",
        discussion: """
            Prints a line (state, percent done, latest image) each time it changes,
            reading the database every 150 ms. Exits 0 when the render finished, 1
            when it failed, was stopped, or was orphaned (its rscript process died).

            --json prints one JSON snapshot object per change of any field, one per
            line.
            """
    )

    @Argument(help: ArgumentHelp("The render's id.", valueName: "ID"))
    var id: Int64

    @OptionGroup var options: GalleryOptions

    func run() throws {
        var status: Int32 = 0
        try reportingGalleryErrors {
            guard let store = try options.openForReading() else {
                throw GalleryError.unknownRender(id, path: options.path)
            }
            let watcher = GalleryWatcher(store: store, id: id, output: options.json ? .json : .lines)
            status = try watcher.run(emit: printLine, report: { StandardError.write("rscript: \($0)\n") })
        }
        if status != 0 { throw ExitCode(status) }
    }
}
