import ArgumentParser
import RenderAutomation

struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an instance in a workfile with a creator plugin, headless.",
        discussion: """
            Runs CreateContext.reset() on the workfile (collecting its instances and running the \
            auto-creators), then the creator's create(), and saves. The workfile is a JSON file; \
            it is made when it does not exist. --attr sets the creator's pre-create options \
            (get_pre_create_attr_defs) and the new instance's creator attributes \
            (get_instance_attr_defs); a value outside its definition is an error naming the key, \
            and nothing is written. --select gives the items pipeline.get_selection() returns. \
            The workfile is locked (WORKFILE.lock beside it) from the read to the write, so \
            commands on one workfile at once run one after the other.

            Example:
              rscript create shot.json --creator render_layer --asset sh010 --task lighting
              rscript create shot.json --creator render_layer --variant Beauty \\
                --select orbit.pov --attr use_selection=true --attr frameEnd=12
            """
    )

    @Argument(help: ArgumentHelp("The JSON workfile (made if missing).", valueName: "WORKFILE"))
    var workfile: String

    @Option(help: ArgumentHelp("The creator's identifier (see `rscript plugins`).", valueName: "ID"))
    var creator: String

    @Option(help: "The variant (default: the creator's default variant).")
    var variant: String?

    @Option(help: "The asset (default: the workfile's context asset; stored there when it has none).")
    var asset: String?

    @Option(help: "The task (default: the workfile's context task).")
    var task: String?

    @Option(help: "The project (stored in a new workfile's context).")
    var project: String?

    @Option(name: .customLong("attr"), help: ArgumentHelp("A pre-create option or creator attribute.", valueName: "KEY=VALUE"))
    var attributes: [String] = []

    @Option(name: .customLong("select"), help: ArgumentHelp("An item for pipeline.get_selection().", valueName: "ITEM"))
    var selection: [String] = []

    @Option(name: .customLong("creators"), help: ArgumentHelp("A folder of creator plugins, searched first.", valueName: "DIR"))
    var creatorFolders: [String] = []

    @Flag(help: "Print the created instances as JSON.")
    var json = false

    func validate() throws {
        for attribute in attributes where !attribute.contains("=") || attribute.hasPrefix("=") {
            throw ValidationError("--attr must look like KEY=VALUE, got '\(attribute)'")
        }
    }

    func run() throws {
        try LuaCommandDriver.run("create", options: .object([
            "workfile": .string(workfile), "creator": .string(creator), "variant": .optional(variant),
            "asset": .optional(asset), "task": .optional(task), "project": .optional(project),
            "attributes": .strings(attributes), "selection": .strings(selection),
            "creator_folders": .strings(creatorFolders), "json": .bool(json),
        ]), locking: workfile)
    }
}
