import LuaBridge

/// Runs `body` with a fresh state, then checks that the main thread's stack is back to empty
/// (`lua_gettop` is 0) and closes the state (unless the body closed it).
///
/// The state is sandboxed (`.safe`) unless `libraries` says otherwise. An unbalanced stack throws
/// `StackImbalanceError` (carrying the body's own error, if it threw one), so a test that calls this
/// with `try` fails. References made in `body` are inert once it returns (the state is closed).
@discardableResult
public func withLuaState<Value>(
    libraries: LuaLibraries = .safe,
    limits: LuaLimits = .none,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: (LuaState) throws -> Value
) throws -> Value {
    let state = try LuaState(libraries: libraries, limits: limits)
    defer { state.close() }
    let outcome = Swift.Result { try body(state) }
    // A body may close the state itself (to test what happens after); there is no stack then.
    let top = state.isClosed ? 0 : state.stackTop
    if top != 0 {
        var bodyError: (any Error)?
        if case .failure(let error) = outcome { bodyError = error }
        throw StackImbalanceError(top: top, file: "\(file)", line: line, bodyError: bodyError)
    }
    return try outcome.get()
}

/// The stack of a state was not empty when a `withLuaState` scope ended.
public struct StackImbalanceError: Error, CustomStringConvertible {
    /// `lua_gettop` when the scope ended.
    public var top: Int32
    public var file: String
    public var line: UInt
    /// What the body threw, if it threw.
    public var bodyError: (any Error)?

    public var description: String {
        let cause = bodyError.map { "; the body threw: \($0)" } ?? ""
        return "\(file):\(line): Lua stack not balanced: \(top) value(s) left on the main thread's stack\(cause)"
    }
}
