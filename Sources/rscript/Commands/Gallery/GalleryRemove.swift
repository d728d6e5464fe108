import Foundation
import ArgumentParser
import RenderAutomation

/// `rscript gallery rm ID`: delete a render from the gallery.
struct GalleryRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a render from the gallery.",
        discussion: """
            Deletes the render's snapshot, image history and metadata. Its work
            folder goes too when the gallery made it (beside the database, in
            NAME-renders/ID); files anywhere else are left alone. A render still
            rendering in a live rscript process is refused unless --force is given; so is a
            render whose row is damaged (not valid JSON).
            """
    )

    @Argument(help: ArgumentHelp("The render's id.", valueName: "ID"))
    var id: Int64

    @Flag(help: "Remove it even while it is rendering.")
    var force = false

    @OptionGroup var options: GalleryOptions

    func run() throws {
        try reportingGalleryErrors {
            let path = options.path
            guard FileManager.default.fileExists(atPath: path) else { throw GalleryError.unknownRender(id, path: path) }
            let store = try GalleryStore(path: path)
            let read: RenderSnapshot?
            do {
                read = try store.snapshot(id: id, fullImageHistory: false)
            } catch let error as GalleryError where error.kind == .corruptRow && force {
                // A damaged row cannot be read, but it can be removed.
                guard try store.remove(id: id) else { throw GalleryError.unknownRender(id, path: path) }
                printLine(options.json ? JSONValue.object(["id": .int(id), "removed": true]).jsonText : "removed render \(id) (its row was damaged)")
                return
            }
            guard let snapshot = read else {
                throw GalleryError.unknownRender(id, path: path)
            }
            if snapshot.state == .rendering && !snapshot.isOrphaned && !force {
                let process = snapshot.pid.map { " (process \($0))" } ?? ""
                throw GalleryError(.invalidArgument, path: path, message:
                    "render \(id) is still rendering\(process); stop it first, or use --force")
            }
            let ownsFolder = snapshot.workDir == store.managedWorkDir(for: id)
            guard try store.remove(id: id) else { throw GalleryError.unknownRender(id, path: path) }
            if options.json {
                printLine(JSONValue.object([
                    "id": .int(id),
                    "removed": true,
                    "workDir": snapshot.workDir.map(JSONValue.string) ?? .null,
                    "workDirRemoved": .bool(ownsFolder),
                ]).jsonText)
            } else {
                var line = "removed render \(id)"
                if let dir = snapshot.workDir { line += ownsFolder ? " and its folder \(dir)" : " (its files in \(dir) are kept)" }
                printLine(line)
            }
        }
    }
}
