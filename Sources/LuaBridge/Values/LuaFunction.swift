import CLuaShim

/// A Lua function held from Swift.
public final class LuaFunction: LuaRef {
    /// Calls the function on the main thread, protected, and returns all its results as data.
    /// Throws `LuaError` with the message and the traceback if it raises.
    /// Cannot suspend: a Swift function it reaches that wants to wait raises instead; use the
    /// scheduler to run code that waits.
    @discardableResult
    public func call(_ arguments: LuaValue...) throws -> [LuaValue] {
        try callValues(arguments)
    }

    @discardableResult
    public func callValues(_ arguments: [LuaValue]) throws -> [LuaValue] {
        try state.checkOpen()
        let L = state.L
        let base = lua_gettop(L)
        push()
        do {
            try state.push(values: arguments, on: L, as: "arguments to pass to a Lua function")
        } catch {
            lua_settop(L, base)
            throw error
        }
        try state.protectedCall(arguments: Int32(arguments.count), results: rscript_multret())
        defer { lua_settop(L, base) }
        let count = lua_gettop(L) - base
        var results: [LuaValue] = []
        results.reserveCapacity(Int(count))
        for i in 0..<count { results.append(try state.value(at: base + 1 + i)) }
        return results
    }

    /// Calls with typed arguments and one typed result, without building arrays: the fast path.
    /// Throws `LuaError` (with traceback) if the function raises, `.conversion` if the result is
    /// not an `R`. Calls of up to three arguments resolve to the fixed-arity overloads below.
    @inlinable
    public func call<each A: LuaPushable, R: LuaReadable>(_ arguments: repeat each A, returning: R.Type = R.self) throws -> R {
        var count: Int32 = 0
        for _ in repeat each arguments { count += 1 }
        return try typedCall(count, returning: R.self) { L in
            for argument in repeat each arguments { try argument.push(on: L, state: state) }
        }
    }

    /// Calls with typed arguments, discarding results.
    @inlinable
    public func callDiscarding<each A: LuaPushable>(_ arguments: repeat each A) throws {
        var count: Int32 = 0
        for _ in repeat each arguments { count += 1 }
        try typedCall(count) { L in
            for argument in repeat each arguments { try argument.push(on: L, state: state) }
        }
    }

    // Fixed-arity twins of the two calls above. Why they exist: Swift 6.3 does not specialize
    // iteration over a parameter pack, so each argument of the pack versions is pushed through a
    // value-witness copy, a protocol-witness call and a destroy (about a fifth of a host-to-Lua
    // call); with plain generic parameters a Double argument is one lua_pushnumber. Overload
    // resolution prefers these whenever they fit, so callers need not know.

    @inlinable
    public func call<R: LuaReadable>(returning: R.Type = R.self) throws -> R {
        try typedCall(0, returning: R.self) { _ in }
    }

    @inlinable
    public func call<A: LuaPushable, R: LuaReadable>(_ a: A, returning: R.Type = R.self) throws -> R {
        try typedCall(1, returning: R.self) { L in try a.push(on: L, state: state) }
    }

    @inlinable
    public func call<A: LuaPushable, B: LuaPushable, R: LuaReadable>(_ a: A, _ b: B, returning: R.Type = R.self) throws -> R {
        try typedCall(2, returning: R.self) { L in
            try a.push(on: L, state: state)
            try b.push(on: L, state: state)
        }
    }

    @inlinable
    public func call<A: LuaPushable, B: LuaPushable, C: LuaPushable, R: LuaReadable>(
        _ a: A, _ b: B, _ c: C, returning: R.Type = R.self
    ) throws -> R {
        try typedCall(3, returning: R.self) { L in
            try a.push(on: L, state: state)
            try b.push(on: L, state: state)
            try c.push(on: L, state: state)
        }
    }

    @inlinable
    public func callDiscarding() throws {
        try typedCall(0) { _ in }
    }

    @inlinable
    public func callDiscarding<A: LuaPushable>(_ a: A) throws {
        try typedCall(1) { L in try a.push(on: L, state: state) }
    }

    @inlinable
    public func callDiscarding<A: LuaPushable, B: LuaPushable>(_ a: A, _ b: B) throws {
        try typedCall(2) { L in
            try a.push(on: L, state: state)
            try b.push(on: L, state: state)
        }
    }

    @inlinable
    public func callDiscarding<A: LuaPushable, B: LuaPushable, C: LuaPushable>(_ a: A, _ b: B, _ c: C) throws {
        try typedCall(3) { L in
            try a.push(on: L, state: state)
            try b.push(on: L, state: state)
            try c.push(on: L, state: state)
        }
    }

    /// The body of every typed call: `pushArguments` pushes `count` values. Stack-neutral;
    /// throws `.closed` once the state is closed.
    ///
    /// Why the traceback handler is pushed below the function here rather than by
    /// `protectedCall`: that inserts it under the arguments and removes it after the call (two
    /// stack rotations and a settop); pushed first it costs one push, and the settop that drops
    /// the result drops it too.
    @inlinable @inline(__always)
    func typedCall<R: LuaReadable>(_ count: Int32, returning: R.Type, _ pushArguments: (OpaquePointer) throws -> Void) throws -> R {
        if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        rscript_push_traceback_handler(L)
        lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref))
        do { try pushArguments(L) } catch {
            rscript_drop_to_traceback_handler(L)
            throw error
        }
        let status = rscript_pcall_info(L, state.info, count, 1, -(count + 2))
        if status != LUA_OK { throw state.callErrorAboveHandler(status: status) }
        defer { lua_settop(L, -3) }  // the result and the handler
        return try R.read(from: L, at: -1, state: state)
    }

    /// `typedCall` with no result kept.
    @inlinable @inline(__always)
    func typedCall(_ count: Int32, _ pushArguments: (OpaquePointer) throws -> Void) throws {
        if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        rscript_push_traceback_handler(L)
        lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref))
        do { try pushArguments(L) } catch {
            rscript_drop_to_traceback_handler(L)
            throw error
        }
        let status = rscript_pcall_info(L, state.info, count, 0, -(count + 2))
        if status != LUA_OK { throw state.callErrorAboveHandler(status: status) }
        lua_settop(L, -2)  // the handler
    }
}

extension LuaState {
    /// Calls the function below `arguments` values on the main thread's stack, with a traceback
    /// handler; leaves `results` values (all, for LUA_MULTRET) or throws (stack restored).
    @inlinable
    public func protectedCall(arguments: Int32, results: Int32) throws {
        let status = rscript_pcall_traceback(L, arguments, results)
        if status != LUA_OK { throw callError(status: status) }
    }

    @usableFromInline
    func callError(status: Int32) -> LuaError {
        rscript_push_last_traceback(L)
        let traceback = lua_type(L, -1) == LUA_TSTRING ? stringAt(L, -1) : nil
        lua_pop(L, 1)
        return popError(status: status, thread: L, traceback: traceback)
    }

    /// `callError` for a call made with the traceback handler pushed below the function: pops the
    /// error object and then the handler.
    @usableFromInline
    func callErrorAboveHandler(status: Int32) -> LuaError {
        let error = callError(status: status)
        lua_pop(L, 1)
        return error
    }

    /// The error of using a reference after its state was closed (kept out of the inlined paths).
    @usableFromInline
    static func closedError() -> LuaError {
        LuaError(.closed, "the Lua state is closed")
    }

    /// Calls `object:method(arguments...)` on a table or userdata reference, protected. Runs
    /// `__index` to find the method.
    @discardableResult
    public func callMethod(_ object: LuaRef, _ method: String, _ arguments: LuaValue...) throws -> [LuaValue] {
        try checkOpen()
        let base = lua_gettop(L)
        object.push()
        pushString(method)
        let status = rscript_gettable(L, -2)
        if status != LUA_OK {
            let error = popError(status: status, thread: L, traceback: nil)
            lua_settop(L, base)
            throw error
        }
        lua_insert(L, -2)  // [method, object]
        do {
            try push(values: arguments, on: L, as: "arguments to pass to a method")
        } catch {
            lua_settop(L, base)
            throw error
        }
        try protectedCall(arguments: Int32(arguments.count + 1), results: rscript_multret())
        defer { lua_settop(L, base) }
        var results: [LuaValue] = []
        for i in (base + 1)...max(base + 1, lua_gettop(L)) where i <= lua_gettop(L) {
            results.append(try value(at: i))
        }
        return results
    }
}
