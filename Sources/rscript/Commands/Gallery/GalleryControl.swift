import ArgumentParser
import RenderAutomation

/// What `gallery stop` and `gallery click` share: find the render's process in the gallery,
/// check the render is rendering, send the command over the control channel, print the outcome.
enum GalleryControl {
    /// Sends `command` and prints `done` (or the JSON answer). A render that is not rendering,
    /// or that the command cannot reach, is an error (exit 1).
    static func send(_ command: RenderControlCommand, options: GalleryOptions, done: (Int32) -> String) throws {
        try reportingGalleryErrors {
            let id = command.render
            guard let snapshot = try options.openForReading()?.snapshot(id: id, fullImageHistory: false) else {
                throw GalleryError.unknownRender(id, path: options.path)
            }
            guard snapshot.state == .rendering else {
                throw GalleryError(.invalidArgument, path: options.path, message: "render \(id) is \(snapshot.state.rawValue)")
            }
            guard let pid = snapshot.pid else {
                throw GalleryError(.invalidArgument, path: options.path, message: "render \(id) has no process recorded, so nothing can reach it")
            }
            do {
                try RenderControlClient().send(command, toProcess: pid, database: options.path)
            } catch let error as RenderControlError {
                if options.json {
                    printLine(JSONValue.object([
                        "id": .int(id), "command": .string(command.name), "pid": .int(Int64(pid)), "ok": false,
                        "error": .string(error.message), "kind": .string(error.kind.description),
                    ]).jsonText)
                }
                StandardError.write("rscript: \(error)\n")
                throw ExitCode.failure
            }
            if options.json {
                var answer = command.jsonValue.objectValue ?? [:]
                answer["render"] = nil
                answer["id"] = .int(id)
                answer["pid"] = .int(Int64(pid))
                answer["ok"] = true
                printLine(JSONValue.object(answer).jsonText)
            } else {
                printLine(done(pid))
            }
        }
    }
}
