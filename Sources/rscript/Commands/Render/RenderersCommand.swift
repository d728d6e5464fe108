import ArgumentParser
import RenderAutomation

struct RenderersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renderers",
        abstract: "List the background renderers rscript finds: labels, classes and files."
    )

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        let runtime = try ScriptRuntime(options: .fromEnvironment())
        runtime.discoverRenderers()
        let entries = runtime.renderers.entries
        if json {
            let items = entries.map { entry -> JSONValue in
                .object(["label": .string(entry.label), "class": .string(entry.className), "file": .string(entry.file)])
            }
            let errors = runtime.renderers.loadErrors.map { JSONValue.string($0) }
            print(JSONValue.object(["renderers": .array(items), "errors": .array(errors)]).jsonText)
            return
        }
        let width = max(5, entries.map(\.label.count).max() ?? 0)
        let classWidth = max(5, entries.map(\.className.count).max() ?? 0)
        print("LABEL".padding(width) + "  " + "CLASS".padding(classWidth) + "  FILE")
        for entry in entries {
            print(entry.label.padding(width) + "  " + entry.className.padding(classWidth) + "  " + entry.file)
        }
        for problem in runtime.renderers.loadErrors {
            StandardError.write("rscript: warning: skipped plugin: \(problem)\n")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
