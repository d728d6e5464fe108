import ArgumentParser
import RenderAutomation

struct InstancesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances",
        abstract: "List a workfile's instances, as the creators collect them.",
        discussion: """
            Runs CreateContext.reset() on the workfile without saving, and lists each instance: \
            subset, family, creator, asset, task, active and id. Instances whose creator is not \
            found are listed as orphans. A creator that fails is reported; the others still list.
            """
    )

    @Argument(help: ArgumentHelp("The JSON workfile.", valueName: "WORKFILE"))
    var workfile: String

    @Option(name: .customLong("creators"), help: ArgumentHelp("A folder of creator plugins, searched first.", valueName: "DIR"))
    var creatorFolders: [String] = []

    @Flag(help: "Print as JSON: every instance's stored data.")
    var json = false

    func run() throws {
        try LuaCommandDriver.run("instances", options: .object([
            "workfile": .string(workfile), "creator_folders": .strings(creatorFolders), "json": .bool(json),
        ]))
    }
}
