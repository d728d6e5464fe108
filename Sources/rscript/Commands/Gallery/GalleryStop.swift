import ArgumentParser
import RenderAutomation

/// `rscript gallery stop ID`: stop a render running in another rscript process.
struct GalleryStop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a render that another rscript process is running.",
        discussion: """
            Sends the stop to the process that runs the render (the gallery records
            its pid), through its control channel, a socket beside the database
            (docs/control.md). Its plugin's stopBackgroundRender runs, and the render
            ends `stopped` soon after; this command does not wait for that (watch it
            with `rscript gallery watch ID`). A render that is not rendering, or
            whose process is gone, is an error (exit 1).
            """
    )

    @Argument(help: ArgumentHelp("The render's id.", valueName: "ID"))
    var id: Int64

    @OptionGroup var options: GalleryOptions

    func run() throws {
        try GalleryControl.send(.stop(render: id), options: options) { pid in
            "asked render \(id) (process \(pid)) to stop"
        }
    }
}
