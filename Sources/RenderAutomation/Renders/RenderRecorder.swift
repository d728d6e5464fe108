import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Where renders are recorded as they change (the gallery database, or memory in tests).
/// Every call is made on the runtime's loop thread.
public protocol RenderRecorder: AnyObject {
    /// Records a new render in the `rendering` state and returns its id.
    func createRender(label: String, renderer: String, scene: String, options: LuaValue) throws -> Int64
    /// Makes (and records) the fresh folder for the render's outputs and logs.
    func makeWorkDir(id: Int64) throws -> String
    /// `createRender` and `makeWorkDir` without making the loop wait: `then` runs on the loop
    /// with the id and the folder once both are recorded (a recorder that writes in place: at
    /// once).
    func createRender(label: String, renderer: String, scene: String, options: LuaValue,
                      then: @escaping (Result<(id: Int64, workDir: String), any Error>) -> Void)
    /// The log of the render's (first) renderer process.
    func setLogPath(id: Int64, path: String) throws
    func appendImage(id: Int64, path: String) throws
    func mergeMetadata(id: Int64, _ patch: [String: LuaValue]) throws
    /// Sets the final state (`finished`, `failed`, `stopped`) and the end time.
    func finish(id: Int64, state: RenderState, error: String?) throws
    /// Runs `action` on the loop once everything recorded so far has landed (a recorder that
    /// writes in place: at once). A render's end is announced only then, so that what
    /// `render:wait()` reports is already in the database.
    func whenWritten(_ action: @escaping () -> Void)
}

extension RenderRecorder {
    public func whenWritten(_ action: @escaping () -> Void) { action() }

    public func createRender(label: String, renderer: String, scene: String, options: LuaValue,
                             then: @escaping (Result<(id: Int64, workDir: String), any Error>) -> Void) {
        then(Result {
            let id = try createRender(label: label, renderer: renderer, scene: scene, options: options)
            return (id, try makeWorkDir(id: id))
        })
    }
}

/// Keeps renders in memory (ids from 1): for tests and for `--no-gallery`.
public final class MemoryRenderRecorder: RenderRecorder {
    public struct Entry: Sendable {
        public var label: String
        public var scene: String
        public var state: RenderState = .rendering
        public var images: [String] = []
        public var metadata: [String: LuaValue] = [:]
        public var error: String?
        public var logPath: String?
    }

    public private(set) var entries: [Int64: Entry] = [:]
    private var next: Int64 = 1

    public init() {}

    public func createRender(label: String, renderer: String, scene: String, options: LuaValue) throws -> Int64 {
        defer { next += 1 }
        entries[next] = Entry(label: label, scene: scene)
        return next
    }

    public func makeWorkDir(id: Int64) throws -> String {
        let dir = "\(Environment.get("TMPDIR") ?? "/tmp")/rscript-\(getpid())-render-\(id)"
        if mkdir(dir, 0o755) != 0 {
            let code = errno
            guard code == EEXIST else {
                throw GalleryError(.notWritable, path: dir, message: "cannot create the render folder \(dir): \(String(cString: strerror(code)))")
            }
        }
        return dir
    }

    public func appendImage(id: Int64, path: String) throws { entries[id]?.images.append(path) }

    public func setLogPath(id: Int64, path: String) throws { entries[id]?.logPath = path }

    public func mergeMetadata(id: Int64, _ patch: [String: LuaValue]) throws {
        for (k, v) in patch { entries[id]?.metadata[k] = v }
    }

    public func finish(id: Int64, state: RenderState, error: String?) throws {
        entries[id]?.state = state
        entries[id]?.error = error
    }
}
