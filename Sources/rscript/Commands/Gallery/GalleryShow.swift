import ArgumentParser
import RenderAutomation

/// `rscript gallery show ID`: one render, every field.
struct GalleryShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one render: every field, its image history and its metadata.",
        discussion: "--json prints the snapshot as one JSON object, with the whole image history."
    )

    @Argument(help: ArgumentHelp("The render's id.", valueName: "ID"))
    var id: Int64

    @OptionGroup var options: GalleryOptions

    func run() throws {
        try reportingGalleryErrors {
            guard let snapshot = try options.openForReading()?.snapshot(id: id) else {
                throw GalleryError.unknownRender(id, path: options.path)
            }
            printLine(options.json ? snapshot.jsonValue().jsonText : GalleryFormat.page(snapshot))
        }
    }
}
