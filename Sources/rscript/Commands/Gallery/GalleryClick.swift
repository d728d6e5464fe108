import ArgumentParser
import RenderAutomation

/// `rscript gallery click ID X Y`: a click on a render running in another rscript process.
struct GalleryClick: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "click",
        abstract: "Click on the image of a render that another rscript process is running.",
        discussion: """
            X and Y are fractions of the image: 0 0 is the top left corner, 1 1 the
            bottom right. The click goes to the process that runs the render,
            through its control channel (docs/control.md), and on to the plugin's
            mouseClick(x, y); POV-Ray, say, renders the region around it first. A
            render that is not rendering, or whose process is gone, is an error
            (exit 1).

              rscript gallery click 12 0.5 0.25
            """
    )

    @Argument(help: ArgumentHelp("The render's id.", valueName: "ID"))
    var id: Int64

    @Argument(help: ArgumentHelp("From 0 (left) to 1 (right).", valueName: "X"))
    var x: Double

    @Argument(help: ArgumentHelp("From 0 (top) to 1 (bottom).", valueName: "Y"))
    var y: Double

    @OptionGroup var options: GalleryOptions

    func validate() throws {
        for (name, value) in [("X", x), ("Y", y)] where !(0...1).contains(value) {
            throw ValidationError("\(name) must be from 0 to 1 (a fraction of the image), got \(value)")
        }
    }

    func run() throws {
        try GalleryControl.send(.click(render: id, x: x, y: y), options: options) { pid in
            "clicked render \(id) (process \(pid)) at \(x), \(y)"
        }
    }
}
