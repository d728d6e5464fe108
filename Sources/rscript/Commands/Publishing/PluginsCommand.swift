import ArgumentParser
import RenderAutomation

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List the creator and publish plugins rscript finds, with their files.",
        discussion: """
            Plugin files live in creators/ and publish/ folders under each RSCRIPT_PLUGIN_PATH \
            entry, where `&` stands for ~/.config/rscript, then the installation's scripts/plugins \
            (unset: `&`); a file name earlier in the path overrides the same name later. Files that fail to load are \
            listed with file:line and the others still load. Background renderers are listed by \
            `rscript renderers`.
            """
    )

    @Option(name: .customLong("plugins"), help: ArgumentHelp("A folder of publish plugins, searched first.", valueName: "DIR"))
    var pluginFolders: [String] = []

    @Option(name: .customLong("creators"), help: ArgumentHelp("A folder of creator plugins, searched first.", valueName: "DIR"))
    var creatorFolders: [String] = []

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        try LuaCommandDriver.run("plugins", options: .object([
            "plugin_folders": .strings(pluginFolders), "creator_folders": .strings(creatorFolders), "json": .bool(json),
        ]))
    }
}
