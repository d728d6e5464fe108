import CLuaShim

/// A Lua coroutine driven from Swift.
///
/// Push arguments on `thread` and call `resume(arguments:)`. A Swift function that returns
/// `call.suspend()` inside it suspends the whole coroutine (also through coroutines that Lua code
/// made inside it: the runtime's `coroutine.resume`/`wrap` pass the suspension outward), and
/// `resume` reports `.suspended`; resume it again later with the values the waiting call returns.
public final class LuaThread: LuaRef {
    /// This coroutine's `lua_State*`.
    public private(set) var thread: OpaquePointer

    public enum Status: Equatable, Sendable {
        /// The body returned; its results are on top of `thread`'s stack.
        case finished(results: Int32)
        /// Lua code yielded plainly (`coroutine.yield` at the top level of the task); the yielded
        /// values are on top of `thread`'s stack.
        case yielded(results: Int32)
        /// A Swift function suspended it and will have it resumed.
        case suspended
    }

    public required init(state: LuaState, popping L: OpaquePointer) {
        thread = lua_tothread(L, -1)
        super.init(state: state, popping: L)
    }

    /// A new coroutine that will run `function`.
    public convenience init(state: LuaState, function: LuaFunction) {
        let co = lua_newthread(state.L)!
        self.init(state: state, popping: state.L)
        function.push(on: co)
    }

    /// Resumes with the `arguments` values on top of `thread`'s stack. Throws the error (with a
    /// traceback of the coroutine) if its body raises; the coroutine is then dead.
    /// `deadline` (CLOCK_MONOTONIC seconds, and the span it allowed, for the message) ends this
    /// entry with a deadline error, as the state's own deadline does, when it comes first.
    public func resume(arguments: Int32, deadline: (at: Double, span: Double)? = nil) throws -> Status {
        try state.checkOpen()
        var results: Int32 = 0
        rscript_begin_entry(thread)
        if let deadline { rscript_set_entry_deadline(thread, deadline.at, deadline.span) }
        let status = rscript_resume(thread, nil, arguments, &results)
        switch status {
        case LUA_OK:
            return .finished(results: results)
        case LUA_YIELD:
            if results == 1 && rscript_is_suspend_marker(thread, -1) != 0 {
                lua_settop(thread, -2)
                return .suspended
            }
            return .yielded(results: results)
        default:
            luaL_traceback(state.L, thread, nil, 0)
            let traceback = state.stringAt(state.L, -1)
            lua_settop(state.L, -2)
            let error = state.popError(status: status, thread: thread, traceback: traceback)
            lua_settop(thread, 0)
            return try { throw error }()
        }
    }

    /// Closes pending to-be-closed variables and makes the coroutine dead.
    public func close() {
        guard !state.isClosed else { return }
        lua_resetthread(thread)
    }
}
