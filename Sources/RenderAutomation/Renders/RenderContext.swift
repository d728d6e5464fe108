import LuaBridge

/// What the render driver and the plugin's helpers (`updateImagePath`, `updateMetadata`) call
/// into: the Lua face of a `BackgroundRender` for its own plugin.
final class RenderContext {
    let job: BackgroundRender
    unowned let manager: RenderManager

    init(job: BackgroundRender, manager: RenderManager) {
        self.job = job
        self.manager = manager
    }

    static func register(in state: LuaState) {
        var context = LuaClass<RenderContext>("RenderContext")
        context.property("id") { context, call in
            call.push(context.job.id)
            return 1
        }
        context.property("workDir") { context, call in
            call.push(context.job.workDir)
            return 1
        }
        context.method("updateImagePath") { context, call in
            let path = try call.string(2)
            context.manager.updateImagePath(context.job, path)
            return 0
        }
        context.method("updateMetadata") { context, call in
            guard call.type(2) == 5 /* LUA_TTABLE */ else { throw call.typeError(2, expected: "table") }
            let value = try call.value(2)
            let patch: [String: LuaValue]
            switch value {
            case .object(let o): patch = o
            case .array([]): patch = [:]
            default: throw LuaArgumentError(position: 2, "metadata must be a table with string keys")
            }
            // Refused here, where the plugin can see why, rather than lost on the way to the gallery.
            for (key, value) in patch {
                do {
                    _ = try JSONValue(value, at: "metadata.\(key)")
                } catch let error as JSONValue.ConversionError {
                    throw LuaArgumentError(position: 2, error.message)
                }
            }
            context.manager.updateMetadata(context.job, patch)
            return 0
        }
        context.method("stopRequested") { context, call in
            call.push(context.job.stopRequested)
            return 1
        }
        context.method("takeClicks") { context, call in
            let clicks = context.job.clicks
            guard !clicks.isEmpty else { return 0 }  // nil: the common case costs no table
            context.job.clicks = []
            try call.push(LuaValue.array(clicks.map { .array([.double($0.x), .double($0.y)]) }))
            return 1
        }
        context.method("polled") { context, call in
            context.manager.fillRuntimeMetadata(context.job, force: false)
            context.job.notify(.metadata)
            return 0
        }
        context.method("waitPoll") { context, call in
            let seconds = try call.number(2)
            guard seconds.isFinite, seconds >= 0, seconds <= LuaCall.maxSeconds else {
                throw LuaScriptError("pollFrequency() must return a non-negative number of seconds (at most \(Int(LuaCall.maxSeconds))), got \(seconds)")
            }
            guard call.canSuspend, context.manager.waitPoll(context.job, seconds: max(seconds, 0.001)) else { return 0 }
            return call.suspend()
        }
        state.register(context)
    }
}
