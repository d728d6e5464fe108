import Foundation
import GRDB
import LuaBridge
import Synchronization

/// Records renders in the gallery database, so `rscript gallery` in another process sees them
/// live.
///
/// Given a runtime, the recorder never makes its loop wait for the database: images, metadata,
/// log paths and ends are queued to a `DatabaseWriter` and written on its thread, batched
/// (another process holding the write lock delays them, not the loop's timers). A new render's
/// row and work folder are written through the same queue (the task that starts a render waits
/// for them; `whenWritten` tells when what was recorded has landed). Made from a path, it opens
/// the database on the writer's thread too, at the first write: a new file's switch to WAL or a
/// schema migration waits for another process's lock there, not on the loop.
public final class GalleryRecorder: RenderRecorder {
    private let opening: Opening
    private let writer: DatabaseWriter
    private weak var runtime: ScriptRuntime?

    /// The store, opened now if it was not yet (this may wait for the file's lock).
    public var store: GalleryStore {
        get throws { try opening.store() }
    }

    /// The database file (its renders' control channel listens beside it).
    var databasePath: String { opening.path }

    /// Writes synchronously, on the calling thread's turn (tests, tools).
    public convenience init(store: GalleryStore) {
        self.init(opening: Opening(path: store.path, opened: store))
    }

    /// Queues writes off `runtime`'s loop; failures go to its error reporter.
    public convenience init(store: GalleryStore, runtime: ScriptRuntime) {
        self.init(opening: Opening(path: store.path, opened: store))
        self.runtime = runtime
    }

    /// Opens the gallery database at `path` at the first write, on the writer's thread, and
    /// queues writes off `runtime`'s loop.
    public convenience init(path: String, runtime: ScriptRuntime) {
        self.init(opening: Opening(path: path, opened: nil))
        self.runtime = runtime
    }

    private init(opening: Opening) {
        self.opening = opening
        writer = DatabaseWriter(opening: { try opening.store().pool }, label: "rscript.gallery.writer") { [path = opening.path] error in
            GalleryError.wrap(error, path: path).description
        }
    }

    /// The store, opened once by whichever thread needs it first.
    private final class Opening: Sendable {
        let path: String
        /// Only a store given read-only is: one opened here is opened for writing.
        let isReadOnly: Bool
        private let opened: Mutex<Result<GalleryStore, GalleryError>?>

        init(path: String, opened store: GalleryStore?) {
            self.path = path
            isReadOnly = store?.isReadOnly ?? false
            opened = Mutex(store.map { .success($0) })
        }

        func store() throws -> GalleryStore {
            try opened.withLock { opened in
                if let opened { return try opened.get() }
                let result: Result<GalleryStore, GalleryError>
                do {
                    result = .success(try GalleryStore(path: path))
                } catch {
                    result = .failure(GalleryError.wrap(error, path: path))
                }
                opened = result
                return try result.get()
            }
        }
    }

    /// Throws `JSONValue.ConversionError` (naming the value, `options.plugin.ratio is nan...`)
    /// when the options cannot be stored: a render whose options were lost is not started.
    public func createRender(label: String, renderer: String, scene: String, options: LuaValue) throws -> Int64 {
        let json = try JSONValue(options, at: "options")
        guard runtime != nil else {
            return try store.createRender(label: label, renderer: renderer, scene: scene, options: json).id
        }
        return try synchronously { db in
            try GalleryStore.insertRender(db, label: label, renderer: renderer, scene: scene, options: json).id
        }
    }

    public func makeWorkDir(id: Int64) throws -> String {
        guard runtime != nil else { return try store.makeWorkDir(id: id) }
        let opening = self.opening
        return try synchronously { db in try opening.store().makeWorkDir(db, id: id) }
    }

    public func createRender(label: String, renderer: String, scene: String, options: LuaValue,
                             then: @escaping (Result<(id: Int64, workDir: String), any Error>) -> Void) {
        guard let runtime, !opening.isReadOnly else {
            return then(Result {
                let id = try createRender(label: label, renderer: renderer, scene: scene, options: options)
                return (id, try makeWorkDir(id: id))
            })
        }
        let json: JSONValue
        do {
            json = try JSONValue(options, at: "options")
        } catch {
            return then(.failure(error))  // a render whose options were lost is not started
        }
        let opening = self.opening
        let created = Mutex<(id: Int64, workDir: String)?>(nil)
        writer.enqueue({ db in
            let id = try GalleryStore.insertRender(db, label: label, renderer: renderer, scene: scene, options: json).id
            let workDir = try opening.store().makeWorkDir(db, id: id)
            created.withLock { $0 = (id, workDir) }
        }, from: runtime) { error in
            if error == nil, let row = created.withLock({ $0 }) {
                then(.success(row))
            } else {
                then(.failure(LuaScriptError(error ?? "the render was not recorded")))
            }
        }
    }

    public func setLogPath(id: Int64, path: String) throws {
        try queue { db, storePath in
            try GalleryStore.touch(db, id: id, now: Date(), storePath: storePath)
            try db.execute(sql: "UPDATE renders SET logPath = ? WHERE id = ?", arguments: [path, id])
        } else: { try $0.setPaths(id: id, logPath: path) }
    }

    public func appendImage(id: Int64, path: String) throws {
        try queue { db, storePath in
            try GalleryStore.appendImage(db, id: id, path: path, now: Date(), storePath: storePath)
        } else: { try $0.appendImage(id: id, path: path) }
    }

    /// Throws `JSONValue.ConversionError` for a value JSON cannot hold (`updateMetadata` checks
    /// the plugin's table first, so the plugin gets the error).
    public func mergeMetadata(id: Int64, _ patch: [String: LuaValue]) throws {
        var json: [String: JSONValue] = [:]
        for (key, value) in patch {
            json[key] = try JSONValue(value, at: "metadata.\(key)")
        }
        let patch = json
        try queue { db, storePath in
            try GalleryStore.mergeMetadata(db, id: id, patch: patch, now: Date(), storePath: storePath)
        } else: { try $0.mergeMetadata(id: id, patch) }
    }

    public func finish(id: Int64, state: RenderState, error: String?) throws {
        let failure = error.map { text -> RenderSnapshot.Failure in
            if let range = text.range(of: "\nstack traceback:") {
                return RenderSnapshot.Failure(message: String(text[..<range.lowerBound]), traceback: String(text[text.index(after: range.lowerBound)...]))
            }
            return RenderSnapshot.Failure(message: text)
        }
        try queue { db, storePath in
            _ = try GalleryStore.finish(db, id: id, state: state, error: failure, now: Date(), storePath: storePath)
        } else: { _ = try $0.finish(id: id, state: state, error: failure) }
    }

    public func whenWritten(_ action: @escaping () -> Void) {
        guard let runtime else { return action() }
        writer.enqueue(nil, from: runtime) { _ in action() }
    }

    /// Queues `write` on the loop's writer, or (without a runtime) runs `direct` on the store.
    private func queue(_ write: @escaping @Sendable (Database, String) throws -> Void,
                       else direct: (GalleryStore) throws -> Void) throws {
        guard let runtime, !opening.isReadOnly else { return try direct(try store) }
        let path = opening.path
        writer.enqueue({ db in try write(db, path) }, from: runtime) { [weak runtime] error in
            if let error { runtime?.errorReporter("rscript: cannot record the render: \(error)") }
        }
    }

    /// Runs `body` after every queued write (so it sees them) and waits for it; errors as the
    /// store's own methods throw them.
    private func synchronously<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) throws -> T {
        do {
            return try writer.sync(body)
        } catch {
            throw GalleryError.wrap(error, path: opening.path)
        }
    }
}
