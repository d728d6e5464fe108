import CLuaShim

/// Holds a Swift function while Lua holds its closure; released by the closure's `__gc`.
public final class SwiftFunctionBox {
    public let name: String
    @usableFromInline let body: LuaFunctionBody
    @usableFromInline unowned(unsafe) let state: LuaState

    init(name: String, state: LuaState, body: @escaping LuaFunctionBody) {
        self.name = name
        self.state = state
        self.body = body
    }
}

/// Called by the C trampoline; never lets an error escape as a longjmp: it reports through the
/// return code, and the trampoline raises once this frame has returned.
///
/// Why the box is borrowed, not retained: it is owned by the fnbox userdata, which the running
/// closure holds as an upvalue (or the class's lookup table holds, for a getter), so Lua cannot
/// collect it during the call. Taking it +0 saves a retain/release pair of the box and lets the
/// optimizer borrow the `let body` closure instead of copying (retaining) its context: four
/// atomic operations per call from Lua, about a third of the bridge's own cost.
let swiftFunctionDispatch: rscript_dispatch_fn = { L, box in
    Unmanaged<SwiftFunctionBox>.fromOpaque(box!)._withUnsafeGuaranteedRef { function in
        dispatch(function, L!)
    }
}

@inline(__always)
private func dispatch(_ function: SwiftFunctionBox, _ L: OpaquePointer) -> Int32 {
    do {
        return try function.body(LuaCall(L: L, state: function.state, function: function))
    } catch {
        return raise(error, function, L)
    }
}

/// The error half of the dispatch, kept out of line so the hot path stays small.
@inline(never)
private func raise(_ error: any Error, _ function: SwiftFunctionBox, _ L: OpaquePointer) -> Int32 {
    switch error {
    case let error as LuaArgumentError:
        let message = error.position > 0
            ? "bad argument #\(error.position) to '\(function.name)' (\(error.message))"
            : "calling '\(function.name)' on bad self (\(error.message))"
        function.state.pushString(message, on: L)
        return RSCRIPT_RAISE_WHERE
    case let error as LuaError:
        if let kind = error.limitKind {
            // A limit raised in Lua code this function called keeps its identity, so that an
            // outer pcall re-raises it as it would have without the Swift frame in between.
            var message = error.message
            message.withUTF8 { utf8 in
                utf8.withMemoryRebound(to: CChar.self) { rscript_push_limit_error(L, $0.baseAddress, $0.count, kind) }
            }
            return RSCRIPT_RAISE
        }
        function.state.pushString(error.message, on: L)
        // A conversion error (data too large or too deep, a value that is not data) is the
        // bridge's own and has no position yet; an error of Lua code this function called
        // already carries its position.
        return error.kind == .conversion ? RSCRIPT_RAISE_WHERE : RSCRIPT_RAISE
    case let error as LuaScriptError:
        function.state.pushString(error.message, on: L)
        return RSCRIPT_RAISE_WHERE
    default:
        function.state.pushString("\(function.name): \(error)", on: L)
        return RSCRIPT_RAISE_WHERE
    }
}

let swiftObjectRelease: rscript_release_fn = { pointer in
    Unmanaged<AnyObject>.fromOpaque(pointer!).release()
}

extension LuaState {
    /// Pushes a Swift function as a Lua function. `name` is what argument errors call it.
    /// The closure is kept until Lua collects the function (or the state closes).
    public func push(function name: String, on thread: OpaquePointer? = nil, _ body: @escaping LuaFunctionBody) {
        let box = SwiftFunctionBox(name: name, state: self, body: body)
        rscript_push_swift_function(thread ?? L, Unmanaged.passRetained(box).toOpaque())
    }

    /// Sets the global `name` to a Swift function (raw: a `__newindex` on `_G` does not run).
    public func register(_ name: String, _ body: @escaping LuaFunctionBody) {
        push(function: name, body)
        setRawGlobal(name)
    }

    /// Builds a module table of Swift functions (`name` is the prefix error messages use, such as
    /// `json` for `json.decode`) and leaves it on the stack.
    public func pushModule(_ name: String, functions: [(String, LuaFunctionBody)], on thread: OpaquePointer? = nil) {
        let L = thread ?? self.L
        lua_createtable(L, 0, Int32(functions.count))
        for (field, body) in functions {
            push(function: "\(name).\(field)", on: L, body)
            lua_setfield(L, -2, field)
        }
    }
}
