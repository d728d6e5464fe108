import CLuaShim

/// A Lua table held from Swift.
///
/// `get`/`set` honour metamethods (`__index`, `__newindex`) and so may run Lua code; they run it
/// protected and throw its error. `rawGet`/`rawSet` skip metamethods and never run Lua code.
public final class LuaTable: LuaRef {
    /// `t[key]`, with metamethods.
    public func get(_ key: some LuaPushable) throws -> LuaValue {
        try get(key, as: LuaValue.self)
    }

    /// `t[key]` read as `R`, with metamethods (a plain table takes the raw fast path).
    /// Throws the `__index` error, `.conversion` if the value is not an `R`, `.closed` after close.
    @inlinable
    public func get<R: LuaReadable>(_ key: some LuaPushable, as type: R.Type) throws -> R {
        //XX if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        // Why the metatable test is done here and not left to rscript_gettable: a table without
        // one cannot run `__index`, so the raw read is the whole operation and cannot raise; an
        // integer key then needs no push either. That is most reads, at C-API cost.
        if pushPlain(L) {
            if let index = Self.integerKey(key) {
                lua_rawgeti(L, -1, index)
            } else if Self.isStringKey(key) {
                Self.withStringKey(key) { name, count in _ = rscript_plain_getfield(L, -1, name, count) }
            } else {
                key.push(on: L, state: state)
                lua_rawget(L, -2)  // a nil or NaN key reads nil; it cannot raise
            }
        } else {
            key.push(on: L, state: state)
            let status = rscript_gettable(L, -2)
            if status != LUA_OK { throw state.tableError(status: status) }
        }
        defer { lua_settop(L, -3) }
        return try R.read(from: L, at: -1, state: state)
    }

    /// `t[key] = value`, with metamethods. Throws the `__newindex` error, a nil or NaN key,
    /// `.closed` after close.
    @inlinable
    public func set(_ key: some LuaPushable, _ value: some LuaPushable) throws {
        //XX if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        // As in `get`: no metatable, no `__newindex`, so a raw write is the whole operation. It
        // raises only for a nil or NaN key, which an integer or a string key cannot be; other key
        // types go to rscript_settable, which tests the key and returns a status instead.
        if pushPlain(L) {
            if let index = Self.integerKey(key) {
                value.push(on: L, state: state)
                lua_rawseti(L, -2, index)
                lua_settop(L, -2)
                return
            }
            if Self.isStringKey(key) {
                value.push(on: L, state: state)
                Self.withStringKey(key) { name, count in rscript_plain_setfield(L, -2, name, count) }
                lua_settop(L, -2)
                return
            }
        }
        key.push(on: L, state: state)
        value.push(on: L, state: state)
        let status = rscript_settable(L, -3)
        if status != LUA_OK { throw state.tableError(status: status) }
        lua_settop(L, -2)
    }

    /// Pushes the referenced value and tells whether it is a table without a metatable, on
    /// which raw access is all `get`/`set` do. (The type comes free with lua_rawgeti; testing it
    /// keeps the raw calls off anything but a table whatever a caller wrapped.)
    @inlinable @inline(__always)
    func pushPlain(_ L: OpaquePointer) -> Bool {
        guard lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref)) == LUA_TTABLE else { return false }
        if lua_getmetatable(L, -1) == 0 { return true }
        lua_settop(L, -2)  // the metatable
        return false
    }

    /// The key as a Lua integer when its static type is `Int` or `Int64`, else nil. Why a type
    /// test rather than a protocol requirement: once specialized it folds to a constant, so
    /// integer keys get lua_rawgeti/lua_rawseti at no cost to other key types (and
    /// LuaPushable stays as it is).
    @inlinable @inline(__always)
    static func integerKey<K: LuaPushable>(_ key: K) -> lua_Integer? {
        if K.self == Int.self { return lua_Integer(unsafeBitCast(key, to: Int.self)) }
        if K.self == Int64.self { return unsafeBitCast(key, to: Int64.self) }
        return nil
    }

    /// Whether the key's static type is `String` (never nil, never NaN); folds when specialized.
    @inlinable @inline(__always)
    static func isStringKey<K: LuaPushable>(_ key: K) -> Bool {
        K.self == String.self
    }

    /// Runs `body` with a key whose static type is `String` (see `isStringKey`) as a C string
    /// and its UTF-8 length. Inlined here because String's `push(on:state:)` is an out-of-line
    /// call that copies the string: for a short field name that call was a third of `t.x`.
    @inlinable @inline(__always)
    static func withStringKey<K: LuaPushable>(_ key: K, _ body: (UnsafePointer<CChar>, Int) -> Void) {
        let name = unsafeBitCast(key, to: String.self)
        let count = name.utf8.count
        name.withCString { body($0, count) }
    }

    /// `rawget(t, key)`: no metamethods.
    public func rawGet(_ key: some LuaPushable) throws -> LuaValue {
        let L = state.L
        push()
        key.push(on: L, state: state)
        lua_rawget(L, -2)
        defer { lua_settop(L, -3) }
        return try state.value(at: -1)
    }

    /// `rawset(t, key, value)`: no metamethods. A nil or NaN key throws.
    public func rawSet(_ key: LuaValue, _ value: LuaValue) throws {
        if key.isNil { throw LuaError(.conversion, "table index is nil") }
        if case .double(let d) = key, d.isNaN { throw LuaError(.conversion, "table index is NaN") }
        let L = state.L
        push()
        state.push(key, on: L)
        state.push(value, on: L)
        lua_rawset(L, -3)
        lua_settop(L, -2)
    }

    /// `#t` without `__len`.
    public var rawLength: Int {
        push()
        defer { lua_settop(state.L, -2) }
        return Int(lua_rawlen(state.L, -1))
    }

    /// The raw key/value pairs (a snapshot, as data; keys or values that are not data throw).
    public func pairs() throws -> [(key: LuaValue, value: LuaValue)] {
        let L = state.L
        push()
        let t = lua_gettop(L)
        defer { lua_settop(L, t - 1) }
        var result: [(LuaValue, LuaValue)] = []
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            let key = try state.value(at: -2)
            let value = try state.value(at: -1)
            result.append((key, value))
            lua_settop(L, -2)
        }
        return result
    }

    /// The keys that are strings (raw), in no particular order.
    public func stringKeys() -> [String] {
        let L = state.L
        push()
        let t = lua_gettop(L)
        defer { lua_settop(L, t - 1) }
        var keys: [String] = []
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            if lua_type(L, -2) == LUA_TSTRING { keys.append(state.stringAt(L, -2)) }
            lua_settop(L, -2)
        }
        return keys
    }

    /// A field that holds a function, or nil.
    public func function(_ key: String) -> LuaFunction? {
        let L = state.L
        push()
        lua_getfield(L, -1, key)  // may run __index; callers use it on module tables
        defer { lua_settop(L, -2) }
        guard lua_type(L, -1) == LUA_TFUNCTION else {
            lua_settop(L, -2)
            return nil
        }
        return LuaFunction(state: state, popping: L)
    }
}

extension LuaState {
    @usableFromInline
    func tableError(status: Int32) -> LuaError {
        let error = popError(status: status, thread: L, traceback: nil)
        lua_settop(L, -2)  // the table
        return error
    }
}
