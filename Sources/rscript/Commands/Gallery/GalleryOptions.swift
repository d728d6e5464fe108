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

    /// Opens the gallery to read it: nil when the file does not exist yet (nothing is created).
    /// When the file cannot be written, opens it read-only; SQLite can read a WAL database that
    /// way only while its `-shm` file exists (a writer has it open), else the first error stands.
    func openForReading() throws -> GalleryStore? {
        let path = self.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try GalleryStore(path: path)
        } catch let error as GalleryError where error.kind == .notWritable {
            guard let store = try? GalleryStore(path: path, readOnly: true) else { throw error }
            return store
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
