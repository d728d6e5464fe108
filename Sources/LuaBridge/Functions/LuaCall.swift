import CLuaShim

/// The body of a Swift function callable from Lua. It reads its arguments from `call`, pushes its
/// results, and returns how many it pushed (or `call.suspend()`).
///
/// Throwing is how it raises a Lua error: a `LuaArgumentError` becomes
/// `bad argument #N to 'name' (...)`, a `LuaScriptError` or any other error becomes
/// `chunk:line: message`. The error is raised by the C trampoline after this Swift frame has
/// returned, so `pcall` in Lua catches it and no `longjmp` crosses Swift.
public typealias LuaFunctionBody = (LuaCall) throws -> Int32

/// One call of a Swift function from Lua: access to its arguments (1-based) and to the stack for
/// results. Valid only during the call, on the thread (coroutine) that made it.
public struct LuaCall {
    /// The running thread: a coroutine when the call came from one.
    public let L: OpaquePointer
    public unowned(unsafe) let state: LuaState
    @usableFromInline unowned(unsafe) let function: SwiftFunctionBox

    @inlinable init(L: OpaquePointer, state: LuaState, function: SwiftFunctionBox) {
        self.L = L
        self.state = state
        self.function = function
    }

    /// The name the function was registered under, as error messages give it.
    public var functionName: String { function.name }

    @inlinable public var argumentCount: Int32 { lua_gettop(L) }

    @inlinable public func type(_ position: Int32) -> Int32 { lua_type(L, position) }

    @inlinable public func isNoneOrNil(_ position: Int32) -> Bool { lua_type(L, position) <= 0 }

    public func typeName(_ position: Int32) -> String {
        lua_type(L, position) == LUA_TNONE ? "no value" : state.typeName(at: position, on: L)
    }

    public func typeError(_ position: Int32, expected: String) -> LuaArgumentError {
        .typeMismatch(position: position, expected: expected, got: typeName(position))
    }

    // MARK: Required arguments

    @inlinable public func integer(_ position: Int32) throws -> Int64 {
        var isNumber: Int32 = 0
        let value = lua_tointegerx(L, position, &isNumber)
        if isNumber != 0 { return value }
        throw integerError(position)
    }

    @usableFromInline func integerError(_ position: Int32) -> LuaArgumentError {
        if lua_type(L, position) == LUA_TNUMBER {
            return LuaArgumentError(position: position, "number has no integer representation")
        }
        return typeError(position, expected: "number")
    }

    @inlinable public func int(_ position: Int32) throws -> Int { Int(try integer(position)) }

    @inlinable public func number(_ position: Int32) throws -> Double {
        var isNumber: Int32 = 0
        let value = lua_tonumberx(L, position, &isNumber)
        if isNumber != 0 { return value }
        throw typeError(position, expected: "number")
    }

    /// The longest duration a Swift function takes, in seconds (about 31 years): every timer,
    /// timeout and sleep converts to integer time units somewhere, and a number past this
    /// (1e19, 1e300, inf) would trap there.
    public static let maxSeconds: Double = 1e9

    /// A duration in seconds: a number from 0 to `maxSeconds`. Anything else (negative, NaN,
    /// inf, huge) is `bad argument #N to 'name' (number out of range ...)`.
    public func seconds(_ position: Int32) throws -> Double {
        let value = try number(position)
        guard value >= 0, value <= Self.maxSeconds else {
            throw LuaArgumentError(position: position, "number out of range: seconds from 0 to \(Int(Self.maxSeconds)) expected, got \(value)")
        }
        return value
    }

    public func optionalSeconds(_ position: Int32) throws -> Double? {
        isNoneOrNil(position) ? nil : try seconds(position)
    }

    /// An integer argument that must fit `range` (an index, a count, a port): `number out of range`.
    public func integer(_ position: Int32, in range: ClosedRange<Int64>) throws -> Int64 {
        let value = try integer(position)
        guard range.contains(value) else {
            throw LuaArgumentError(position: position, "number out of range: \(range.lowerBound) to \(range.upperBound) expected, got \(value)")
        }
        return value
    }

    /// A string that names something or is a path: an embedded zero is an error, since the
    /// operating system (and most names) would silently cut the string there.
    public func name(_ position: Int32) throws -> String {
        let value = try bytes(position)
        guard !value.contains(0) else {
            throw LuaArgumentError(position: position, "string contains an embedded zero")
        }
        return String(decoding: value, as: UTF8.self)
    }

    public func optionalName(_ position: Int32) throws -> String? {
        isNoneOrNil(position) ? nil : try name(position)
    }

    /// A string argument (numbers are accepted and converted, as `luaL_checkstring` does).
    public func string(_ position: Int32) throws -> String {
        let t = lua_type(L, position)
        guard t == LUA_TSTRING || t == LUA_TNUMBER else { throw typeError(position, expected: "string") }
        return state.stringAt(L, position)
    }

    /// A string argument as raw bytes (embedded zeros and invalid UTF-8 kept).
    public func bytes(_ position: Int32) throws -> [UInt8] {
        let t = lua_type(L, position)
        guard t == LUA_TSTRING || t == LUA_TNUMBER else { throw typeError(position, expected: "string") }
        var length = 0
        let p = lua_tolstring(L, position, &length)!
        return Array(UnsafeRawBufferPointer(start: p, count: length))
    }

    public func bool(_ position: Int32) throws -> Bool {
        guard lua_type(L, position) == LUA_TBOOLEAN else { throw typeError(position, expected: "boolean") }
        return lua_toboolean(L, position) != 0
    }

    /// Lua truthiness of any argument (absent is false).
    @inlinable public func truthy(_ position: Int32) -> Bool { lua_toboolean(L, position) != 0 }

    public func table(_ position: Int32) throws -> LuaTable {
        guard lua_type(L, position) == LUA_TTABLE else { throw typeError(position, expected: "table") }
        lua_pushvalue(L, position)
        return LuaTable(state: state, popping: L)
    }

    public func function(_ position: Int32) throws -> LuaFunction {
        guard lua_type(L, position) == LUA_TFUNCTION else { throw typeError(position, expected: "function") }
        lua_pushvalue(L, position)
        return LuaFunction(state: state, popping: L)
    }

    /// Any argument as data (see `LuaValue`); absent is `.nil`.
    public func value(_ position: Int32) throws -> LuaValue {
        do {
            return try state.value(at: position, on: L)
        } catch let error as LuaError {
            throw LuaArgumentError(position: position, error.message)
        }
    }

    /// A Swift object pushed as userdata of class `T` (or a subclass).
    @inlinable public func object<T: AnyObject>(_ position: Int32, as type: T.Type = T.self) throws -> T {
        if let o = rscript_to_object(L, position), let raw = o.pointee.object {
            if o.pointee.type_tag == UnsafeRawPointer(bitPattern: unsafeBitCast(T.self as AnyObject.Type, to: Int.self)) {
                return Unmanaged<T>.fromOpaque(raw).takeUnretainedValue()
            }
            if let object = Unmanaged<AnyObject>.fromOpaque(raw).takeUnretainedValue() as? T { return object }
        }
        throw objectError(position, T.self)
    }

    @usableFromInline func objectError<T>(_ position: Int32, _ type: T.Type) -> LuaArgumentError {
        if let o = rscript_to_object(L, position), o.pointee.object == nil {
            return LuaArgumentError(position: position, "\(state.className(of: type)) object was already collected")
        }
        return typeError(position, expected: state.className(of: type))
    }

    // MARK: Optional arguments (absent or nil gives the default)

    public func optionalInteger(_ position: Int32) throws -> Int64? {
        isNoneOrNil(position) ? nil : try integer(position)
    }
    public func optionalNumber(_ position: Int32) throws -> Double? {
        isNoneOrNil(position) ? nil : try number(position)
    }
    public func optionalString(_ position: Int32) throws -> String? {
        isNoneOrNil(position) ? nil : try string(position)
    }
    public func optionalBool(_ position: Int32) throws -> Bool? {
        isNoneOrNil(position) ? nil : try bool(position)
    }
    public func optionalTable(_ position: Int32) throws -> LuaTable? {
        isNoneOrNil(position) ? nil : try table(position)
    }
    public func optionalFunction(_ position: Int32) throws -> LuaFunction? {
        isNoneOrNil(position) ? nil : try function(position)
    }

    // MARK: Results

    @inlinable public func push(_ value: Int64) { lua_pushinteger(L, value) }
    @inlinable public func push(_ value: Int) { lua_pushinteger(L, lua_Integer(value)) }
    @inlinable public func push(_ value: Double) { lua_pushnumber(L, value) }
    @inlinable public func push(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    public func push(_ value: String) { state.pushString(value, on: L) }
    /// Pushes data; nested tables reserve their own slots (see `LuaState.push(_:on:)`).
    public func push(_ value: LuaValue) throws { try state.push(value, on: L) }
    /// Pushes many results after reserving their slots: "too many `what` (N)" when the stack
    /// cannot hold them. Returns how many it pushed, for `return`.
    public func push<Values: Collection<LuaValue>>(values: Values, as what: @autoclosure () -> String = "results to return") throws -> Int32 {
        try state.push(values: values, on: L, as: what())
        return Int32(values.count)
    }
    /// Makes room for `count` more values (beyond the 20 a call starts with).
    public func reserve(_ count: Int, for what: @autoclosure () -> String = "results to return") throws {
        try state.reserveStack(count, on: L, for: what())
    }
    public func push(_ ref: LuaRef) { ref.push(on: L) }
    @inlinable public func pushNil() { lua_pushnil(L) }
    public func pushNull() { state.pushNull(on: L) }
    /// Pushes a Swift object as userdata of its registered class.
    public func push<T: AnyObject>(object: T) { state.push(object: object, on: L) }
    public func push(function name: String, _ body: @escaping LuaFunctionBody) {
        state.push(function: name, on: L, body)
    }

    /// Returns one value (a shorthand for push + `return 1`).
    public func returning(_ value: LuaValue) throws -> Int32 {
        try push(value)
        return 1
    }

    /// Suspends the calling coroutine. Resume it later through the runtime's scheduler: whatever
    /// values it is resumed with become this call's results. Check `canSuspend` first.
    @inlinable public func suspend() -> Int32 { RSCRIPT_SUSPEND }

    /// Whether this call may suspend: it runs in a coroutine with no C boundary in between.
    @inlinable public var canSuspend: Bool { lua_isyieldable(L) != 0 }
}
