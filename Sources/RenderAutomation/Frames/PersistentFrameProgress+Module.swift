import LuaBridge

/// `require("rscript.internal.frames")`, INTERNAL: how `persistent_frames.lua` reports to its
/// `PersistentFrameProgress`. Preloaded only for `rscript render --persistent`:
///
///     plan(skipped, workers)                 skipped: list of frames
///     start(frame, client, pid, log, attempt)
///     progress(frame, percent)
///     done(frame, path)
///     failed(frame, reason, retry)
///
/// Clients are numbered from 1 (the `worker` of the events and records).
extension PersistentFrameProgress {
    static let moduleName = "rscript.internal.frames"

    /// Makes `require(moduleName)` give this render's functions.
    func preload(in runtime: ScriptRuntime) {
        let state = runtime.state
        // `package.preload` is the standard library's, there before any script runs: this cannot fail.
        try? state.preload(Self.moduleName) { [unowned self] in
            state.pushModule(Self.moduleName, functions: [
                ("plan", { [unowned self] call in
                    self.plan(skipped: try Self.frameList(call, 1), workers: Int(try call.integer(2)))
                    return 0
                }),
                ("start", { [unowned self] call in
                    let pid = try call.optionalInteger(3).map { Int32(clamping: $0) }
                    self.started(frame: try Self.frame(call, 1), worker: Int(try call.integer(2)), pid: pid,
                                 log: try call.optionalString(4) ?? "", attempt: Int(try call.integer(5)))
                    return 0
                }),
                ("progress", { [unowned self] call in
                    self.progress(frame: try Self.frame(call, 1), percent: try call.number(2))
                    return 0
                }),
                ("done", { [unowned self] call in
                    self.finished(frame: try Self.frame(call, 1), path: try call.string(2))
                    return 0
                }),
                ("failed", { [unowned self] call in
                    self.failed(frame: try Self.frame(call, 1), reason: try call.string(2), retry: try call.bool(3))
                    return 0
                }),
            ])
        }
    }

    private static func frame(_ call: LuaCall, _ position: Int32) throws -> Int {
        Int(try call.integer(position, in: Int64(Int32.min)...Int64(Int32.max)))
    }

    private static func frameList(_ call: LuaCall, _ position: Int32) throws -> [Int] {
        switch try call.value(position) {
        case .array(let items):
            return try items.map { item in
                guard case .int(let frame) = item else { throw LuaArgumentError(position: position, "frames must be integers, got \(item)") }
                return Int(frame)
            }
        case .object(let fields) where fields.isEmpty: return []
        case .table(let entries) where entries.isEmpty: return []
        default: throw call.typeError(position, expected: "list of frames")
        }
    }
}
