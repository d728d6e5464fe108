import ArgumentParser
import RenderAutomation

#if canImport(Glibc)
import Glibc
#endif

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a workfile's active instances through the publish plugins, headless.",
        discussion: """
            Collects the instances (CreateContext.reset), then runs the pyblish plugins in order: \
            collectors, validators, extractors, integrators. Validation errors are gathered from \
            every validator and stop the run before extraction; any other error stops it at once. \
            The integrator copies the extracted files into a new version folder from the publish \
            template (root from --root, the workfile's context "root", RSCRIPT_PUBLISH_ROOT, or \
            the workfile's folder + /publish).

            Prints a report plugin by plugin and instance by instance; --report writes it as JSON. \
            While it runs, a line per plugin and instance goes to stderr when it is a terminal \
            (--progress forces it). \
            Exit status: 0 published, 1 validation failed or an error stopped the run.
            """
    )

    @Argument(help: ArgumentHelp("The JSON workfile.", valueName: "WORKFILE"))
    var workfile: String

    @Option(name: .customLong("plugins"), help: ArgumentHelp("A folder of publish plugins, searched first.", valueName: "DIR"))
    var pluginFolders: [String] = []

    @Option(name: .customLong("creators"), help: ArgumentHelp("A folder of creator plugins, searched first.", valueName: "DIR"))
    var creatorFolders: [String] = []

    @Option(help: ArgumentHelp("Write the report as JSON to this file.", valueName: "FILE"))
    var report: String?

    @Option(help: "A comment stored in the version's metadata.")
    var comment: String?

    @Option(help: ArgumentHelp("The publish root folder.", valueName: "DIR"))
    var root: String?

    @Option(name: .customLong("target"), help: "A pyblish target (default: default).")
    var targets: [String] = []

    @Flag(help: "Print the report as JSON on stdout instead of text.")
    var json = false

    @Flag(help: "Show a line per plugin and instance on stderr as they finish (default: when stderr is a terminal).")
    var progress = false

    func run() throws {
        try LuaCommandDriver.run("publish", options: .object([
            "workfile": .string(workfile), "plugin_folders": .strings(pluginFolders),
            "creator_folders": .strings(creatorFolders), "report": .optional(report),
            "comment": .optional(comment), "root": .optional(root),
            "targets": .strings(targets.isEmpty ? ["default"] : targets), "json": .bool(json),
            "progress": .bool(progress || isatty(2) != 0),
        ]), locking: workfile)
    }
}
