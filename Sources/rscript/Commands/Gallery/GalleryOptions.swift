import ArgumentParser
import Foundation
import RenderAutomation

/// Flags every `gallery` subcommand has: `--db PATH` and `--json`.
struct GalleryOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The gallery database (default: $RSCRIPT_DB, else ~/.local/share/rscript/rscript.db).",
        valueName: "PATH"))
    var db: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    var path: String { db ?? GalleryStore.defaultPath() }

    /// Opens the gallery to read it: nil when the file does not exist yet (nothing is created);
    /// read-only when the file cannot be written.
    func openForReading() throws -> GalleryStore? {
        let path = self.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try GalleryStore(path: path)
        } catch let error as GalleryError where error.kind == .notWritable {
            return try GalleryStore(path: path, readOnly: true)
        }
    }
}

/// Runs a gallery command's body, printing a `GalleryError` as `rscript: message` on standard
/// error and exiting 1.
func reportingGalleryErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as GalleryError {
        StandardError.write("rscript: \(error)\n")
        throw ExitCode.failure
    }
}

/// Writes a line to standard output at once (watchers read it live through a pipe).
func printLine(_ line: String) {
    print(line)
    fflush(nil)
}

extension RenderState: ExpressibleByArgument {}
