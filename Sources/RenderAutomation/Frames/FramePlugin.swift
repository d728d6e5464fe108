import CLuaShim
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
    init(entry: RendererCatalog.Entry, state: LuaState) throws {
        self.entry = entry
        self.state = state
        let chunk = try state.load(Self.source, chunkName: "=frame renderer")
        guard let table = try Self.callRef(state, chunk, []) as? LuaTable else {
            throw FrameRenderError("the frame renderer glue returned no table")
        }
        newInstance = table.function("new")!
        commandFunction = table.function("command")!
        parseFunction = table.function("parse")!
        framePathFunction = table.function("framePath")!
        startupFunction = table.function("startupSeconds")!
        let supports = try Self.call(state, table.function("supports")!, [.ref(entry.rendererClass)])
        guard supports.isTruthy else {
            throw FrameRenderError("renderer '\(entry.label)' (\(entry.className), \(entry.file)) cannot render frame ranges: its class has no chunkCommand method (see docs/frames.md)")
        }
    }

    /// A fresh plugin object for one chunk (or for the questions asked before any chunk), with
    /// `workDir` (the chunk's scratch folder), `itemId` and `_lopnet_path` (the scene, as for a
    /// single render) set.
    func instance(workDir: String, id: Int, scene: String) throws -> LuaTable {
        let arguments: [Argument] = [.ref(entry.rendererClass), .value(.string(workDir)), .value(.int(Int64(id))), .value(.string(scene))]
        guard let instance = try Self.callRef(state, newInstance, arguments) as? LuaTable else {
            throw FrameRenderError("\(entry.className)() did not make a table")
        }
        return instance
    }

    /// `instance:chunkCommand(scene, chunk, output, options)`, checked: an argv of strings and
    /// numbers, with optional `cwd` and `env`.
    func command(_ instance: LuaTable, scene: String, chunk: LuaValue, output: String, options: LuaValue) throws -> SpawnSpec {
        let result = try Self.call(state, commandFunction, [.ref(instance), .value(.string(scene)), .value(chunk), .value(.string(output)), .value(options)])
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
        let result = try Self.call(state, parseFunction, [.ref(instance), .value(.array(lines.map { .string($0) }))])
        guard case .array(let events) = result else { return [] }
        return events.map(FrameProgress.init)
    }

    /// `instance:framePath(output, frame)`, or `output` with its `#` run replaced by the
    /// zero-padded frame number, plus `.png`.
    func framePath(_ instance: LuaTable, output: String, frame: Int) throws -> String {
        let result = try Self.call(state, framePathFunction, [.ref(instance), .value(.string(output)), .value(.int(Int64(frame)))])
        guard let path = result.stringValue, !path.isEmpty else {
            throw FrameRenderError("\(entry.className):framePath returned no path for frame \(frame)")
        }
        return path
    }

    /// `instance:chunkStartupSeconds()`, or 0.5 when the class does not say.
    func startupSeconds(_ instance: LuaTable) throws -> Double {
        try Self.call(state, startupFunction, [.ref(instance)]).doubleValue ?? 0.5
    }

    // MARK: Calls

    enum Argument {
        case value(LuaValue)
        case ref(LuaRef)
    }

    /// Calls `function(arguments...)` and returns its first result as data.
    private static func call(_ state: LuaState, _ function: LuaFunction, _ arguments: [Argument]) throws -> LuaValue {
        try withResult(state, function, arguments) { try state.value(at: -1) }
    }

    /// Calls `function(arguments...)` and returns its first result as a reference.
    private static func callRef(_ state: LuaState, _ function: LuaFunction, _ arguments: [Argument]) throws -> LuaRef {
        try withResult(state, function, arguments) { state.reference(at: -1) }
    }

    private static func withResult<R>(_ state: LuaState, _ function: LuaFunction, _ arguments: [Argument], _ read: () throws -> R) throws -> R {
        guard !state.isClosed else { throw FrameRenderError("the Lua state is closed") }
        let L = state.L
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        function.push()
        for argument in arguments {
            switch argument {
            case .value(let value): try state.push(value)
            case .ref(let ref): ref.push()
            }
        }
        try state.protectedCall(arguments: Int32(arguments.count), results: 1)
        return try read()
    }

    /// The glue: a table of functions that do the Lua side of each call.
    static let source = """
        local M = {}

        function M.supports(Class)
          return type(Class.chunkCommand) == "function"
        end

        function M.new(Class, workDir, id, scene)
          local r = Class()
          rawset(r, "workDir", workDir)
          rawset(r, "_lopnet_path", scene)
          rawset(r, "itemId", id)
          rawset(r, "_item_id", id)
          return r
        end

        local function word(v, i)
          local t = math.type(v)
          if t == "integer" then return tostring(v) end
          if t == "float" then
            if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", v) end
            return tostring(v)
          end
          if type(v) == "string" then return v end
          error(string.format("chunkCommand: argument %d must be a string or a number, got %s", i, type(v)), 0)
        end

        function M.command(r, scene, chunk, output, options)
          local configured = r:getConfigOptions(options.plugin)
          if configured ~= nil then options.plugin = configured end
          local spec = r:chunkCommand(scene, chunk, output, options)
          if type(spec) ~= "table" or spec[1] == nil then
            error("chunkCommand must return a command table { program, args..., cwd=, env= }, got " .. type(spec), 0)
          end
          local argv = {}
          for i, v in ipairs(spec) do argv[i] = word(v, i) end
          local env
          if spec.env ~= nil then
            if type(spec.env) ~= "table" then error("chunkCommand: env must be a table", 0) end
            env = {}
            for k, v in pairs(spec.env) do env[tostring(k)] = word(v, k) end
          end
          if spec.cwd ~= nil and type(spec.cwd) ~= "string" then error("chunkCommand: cwd must be a string", 0) end
          return { argv = argv, cwd = spec.cwd, env = env }
        end

        function M.parse(r, lines)
          local events = {}
          local parse = r.parseChunkProgress
          if parse == nil then return events end
          for i = 1, #lines do
            local e = parse(r, lines[i])
            if e ~= nil then
              if type(e) ~= "table" then
                error("parseChunkProgress must return nil or a table, got " .. type(e), 0)
              end
              if e[1] ~= nil then
                for _, x in ipairs(e) do events[#events + 1] = x end
              else
                events[#events + 1] = e
              end
            end
          end
          return events
        end

        function M.defaultFramePath(output, frame)
          local path, n = output:gsub("#+", function(hashes)
            return string.format("%0" .. #hashes .. "d", frame)
          end, 1)
          if n == 0 then path = path .. string.format("%04d", frame) end
          return path .. ".png"
        end

        function M.framePath(r, output, frame)
          if r.framePath ~= nil then return r:framePath(output, frame) end
          return M.defaultFramePath(output, frame)
        end

        function M.startupSeconds(r)
          if r.chunkStartupSeconds ~= nil then return tonumber(r:chunkStartupSeconds()) end
          return nil
        end

        return M
        """
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
