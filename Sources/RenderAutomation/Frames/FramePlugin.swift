import LuaBridge

/// The chunk side of a background-renderer class, called from Swift: `chunkCommand` (required
/// for frame ranges), `parseChunkProgress`, `framePath` and `chunkStartupSeconds` (optional).
/// Every call runs Lua on the runtime's main thread, protected; none may wait (they are plain
/// functions of their arguments and the instance's own fields). A plugin error comes back as a
/// `LuaError` with its traceback.
final class FramePlugin {
    let entry: RendererCatalog.Entry
    private let state: LuaState
    private let newInstance: LuaFunction
    private let commandFunction: LuaFunction
    private let parseFunction: LuaFunction
    private let framePathFunction: LuaFunction
    private let startupFunction: LuaFunction

    /// Throws `FrameRenderError` when the class has no `chunkCommand` method.
    /// The glue (scripts/lib/rscript/internal/frame_plugin.lua) is a table of functions that do
    /// the Lua side of each call.
    init(entry: RendererCatalog.Entry, runtime: ScriptRuntime) throws {
        self.entry = entry
        let state = runtime.state
        self.state = state
        let chunk = try runtime.loadInternalChunk("frame_plugin", chunkName: "=frame renderer")
        try Self.checkOpen(state)
        guard let table = try chunk.call(returning: Reference.self).ref as? LuaTable else {
            throw FrameRenderError("the frame renderer glue returned no table")
        }
        newInstance = table.function("new")!
        commandFunction = table.function("command")!
        parseFunction = table.function("parse")!
        framePathFunction = table.function("framePath")!
        startupFunction = table.function("startupSeconds")!
        let supports = try table.function("supports")!.call(entry.rendererClass, returning: LuaValue.self)
        guard supports.isTruthy else {
            throw FrameRenderError("renderer '\(entry.label)' (\(entry.className), \(entry.file)) cannot render frame ranges: its class has no chunkCommand method (see docs/frames.md)")
        }
    }

    /// A fresh plugin object for one chunk (or for the questions asked before any chunk), with
    /// `workDir` (the chunk's scratch folder), `itemId` and `_lopnet_path` (the scene, as for a
    /// single render) set.
    func instance(workDir: String, id: Int, scene: String) throws -> LuaTable {
        try Self.checkOpen(state)
        let made = try newInstance.call(entry.rendererClass, workDir, Int64(id), scene, returning: Reference.self)
        guard let instance = made.ref as? LuaTable else {
            throw FrameRenderError("\(entry.className)() did not make a table")
        }
        return instance
    }

    /// `instance:chunkCommand(scene, chunk, output, options)`, checked: an argv of strings and
    /// numbers, with optional `cwd` and `env`.
    func command(_ instance: LuaTable, scene: String, chunk: LuaValue, output: String, options: LuaValue) throws -> SpawnSpec {
        try Self.checkOpen(state)
        let result = try commandFunction.call(instance, scene, chunk, output, options, returning: LuaValue.self)
        guard case .object(let fields) = result, case .array(let argv) = fields["argv"] ?? .nil else {
            throw FrameRenderError("\(entry.className):chunkCommand returned no command")
        }
        var spec = SpawnSpec(command: argv.compactMap(\.stringValue))
        spec.directory = fields["cwd"]?.stringValue
        if case .object(let env) = fields["env"] ?? .nil {
            for (key, value) in env { spec.environment[key] = value.stringValue }
        }
        return spec
    }

    /// Feeds `lines` to `instance:parseChunkProgress(line)`; returns what it reported.
    func parse(_ instance: LuaTable, lines: [String]) throws -> [FrameProgress] {
        guard !lines.isEmpty else { return [] }
        try Self.checkOpen(state)
        let result = try parseFunction.call(instance, LuaValue.array(lines.map { .string($0) }), returning: LuaValue.self)
        guard case .array(let events) = result else { return [] }
        return events.map(FrameProgress.init)
    }

    /// `instance:framePath(output, frame)`, or `output` with its `#` run replaced by the
    /// zero-padded frame number, plus `.png`.
    func framePath(_ instance: LuaTable, output: String, frame: Int) throws -> String {
        try Self.checkOpen(state)
        let result = try framePathFunction.call(instance, output, Int64(frame), returning: LuaValue.self)
        guard let path = result.stringValue, !path.isEmpty else {
            throw FrameRenderError("\(entry.className):framePath returned no path for frame \(frame)")
        }
        return path
    }

    /// `instance:chunkStartupSeconds()`, or 0.5 when the class does not say.
    func startupSeconds(_ instance: LuaTable) throws -> Double {
        try Self.checkOpen(state)
        return try startupFunction.call(instance, returning: LuaValue.self).doubleValue ?? 0.5
    }

    // MARK: Calls

    /// A call's first result as a reference (a `LuaTable` when it is a table).
    private struct Reference: LuaReadable {
        let ref: LuaRef
        static func read(from L: OpaquePointer, at index: Int32, state: LuaState) throws -> Reference {
            Reference(ref: state.reference(at: index, on: L))
        }
    }

    /// Every call runs protected on the main thread; a closed state is a frame-render error.
    private static func checkOpen(_ state: LuaState) throws {
        guard !state.isClosed else { throw FrameRenderError("the Lua state is closed") }
    }
}

/// One report of `parseChunkProgress`: `{frame=N, percent=P, done=true, path=..., error=...}`.
struct FrameProgress: Equatable {
    var frame: Int?
    var percent: Double?
    var done = false
    /// Where the renderer wrote the frame, when not at `framePath` (the runtime moves it there).
    var path: String?
    /// Why the chunk is failing, in the renderer's words (a parse error, say).
    var error: String?

    init(frame: Int? = nil, percent: Double? = nil, done: Bool = false, path: String? = nil, error: String? = nil) {
        self.frame = frame
        self.percent = percent
        self.done = done
        self.path = path
        self.error = error
    }

    init(_ value: LuaValue) {
        guard case .object(let fields) = value else { return }
        frame = (fields["frame"]?.intValue).map { Int($0) } ?? (fields["frame"]?.doubleValue).map { Int($0) }
        percent = fields["percent"]?.doubleValue
        done = fields["done"]?.isTruthy ?? false
        path = fields["path"]?.stringValue
        error = fields["error"]?.stringValue
    }
}
