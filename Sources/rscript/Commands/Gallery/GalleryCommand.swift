import ArgumentParser
import RenderAutomation

/// `rscript gallery`: the render gallery (list, show, watch, stop, click, rm, prune).
struct GalleryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gallery",
        abstract: "Look at the render gallery: every render, its state, images and metadata.",
        discussion: """
            The gallery is one SQLite database, written by every rscript process as
            its renders change, so these commands see other processes' renders live;
            `stop` and `click` reach a live render in the process that runs it.

            Where: --db PATH, else $RSCRIPT_DB, else $XDG_DATA_HOME/rscript/rscript.db,
            else ~/.local/share/rscript/rscript.db.
            """,
        subcommands: [GalleryList.self, GalleryShow.self, GalleryWatch.self, GalleryStop.self, GalleryClick.self,
                      GalleryRemove.self, GalleryPrune.self]
    )
}
