import ArgumentParser
import RenderAutomation

struct RenderersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renderers",
        abstract: "List the background renderers rscript finds: labels, classes and files.",
        discussion: """
            Frame ranges (--frames) render in chunks by default, one renderer process a chunk: \
            best for long frames, where start-up is noise. Renderers marked persistent also \
            render on persistent clients (--persistent): each worker starts the renderer and \
            loads the scene once, then takes the next free frame; best for many short frames \
            (docs/renderers.md, docs/blender.md).
            """
    )

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        let runtime = try ScriptRuntime(options: .fromEnvironment())
        runtime.discoverRenderers()
        let entries = runtime.renderers.entries
        if json {
            let items = entries.map { entry -> JSONValue in
                .object(["label": .string(entry.label), "class": .string(entry.className), "file": .string(entry.file),
                         "persistent": .bool(PersistentFrameRender.renderers.contains(entry.label))])
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
        let persistent = entries.map(\.label).filter { PersistentFrameRender.renderers.contains($0) }
        if !persistent.isEmpty {
            print("""

                Frame ranges: chunks by default (one process a chunk; wins for long frames). \
                \(persistent.joined(separator: ", ")) also renders on persistent clients with --persistent \
                (each worker starts once and takes the next free frame; wins for many short frames).
                """)
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
