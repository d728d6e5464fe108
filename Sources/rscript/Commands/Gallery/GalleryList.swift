import ArgumentParser
import RenderAutomation

/// `rscript gallery list`: the renders, newest first.
struct GalleryList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List renders, newest first.",
        discussion: """
            Columns: id, state, label, scene, percent done, start time, duration (so
            far, while rendering). A render whose rscript process died while it was
            rendering shows as "rendering (orphaned)".

            --json prints an array of snapshot objects; each holds only its latest
            image in imagePaths (imageCount counts them all).
            """
    )

    @OptionGroup var options: GalleryOptions

    @Option(help: ArgumentHelp("Only renders in this state.", valueName: "STATE"))
    var state: RenderState?

    @Option(help: ArgumentHelp("At most this many renders.", valueName: "N"))
    var limit: Int?

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be a positive number, got \(limit)") }
    }

    func run() throws {
        try reportingGalleryErrors {
            let renders = try options.openForReading()?.list(limit: limit, state: state) ?? []
            if options.json {
                printLine(JSONValue.array(renders.map { $0.jsonValue() }).jsonText)
            } else if renders.isEmpty {
                printLine("no renders" + (state.map { " \($0.rawValue)" } ?? "") + " in \(options.path)")
            } else {
                printLine(GalleryFormat.table(renders))
            }
        }
    }
}
