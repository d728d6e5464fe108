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
    ///
    /// Always inlined: it only dispatches on the key's static type, and once inlined all but one
    /// branch folds away; left to the inliner, the key tests made it look too big, and `t[i]`
    /// paid a call more (about 1 ns of 13).
    @inlinable @inline(__always)
    public func get<R: LuaReadable>(_ key: some LuaPushable, as type: R.Type) throws -> R {
        if let key = Self.internedKey(key, state) { return try getKey(key, as: R.self) }
        if Self.isStringKey(key) {
            return try Self.withStringKey(key) { name in try getField(name, as: R.self) }
        }
        return try getValue(key, as: R.self)
    }

    /// `t[key] = value`, with metamethods. Throws the `__newindex` error, a nil or NaN key,
    /// `.closed` after close. Always inlined, as `get(_:as:)` is.
    @inlinable @inline(__always)
    public func set(_ key: some LuaPushable, _ value: some LuaPushable) throws {
        if let key = Self.internedKey(key, state) { return try setKey(key, value) }
        if Self.isStringKey(key) {
            return try Self.withStringKey(key) { name in try setField(name, value) }
        }
        try setValue(key, value)
    }

    // MARK: Fast paths of get/set
    //
    // The rule they keep: a raw access is used only where it is the whole operation (no
    // metamethod could run) and cannot raise; everything else goes to rscript_gettable/settable,
    // which run metamethods protected. Every C call counts here: each is a call into liblua,
    // and the C API's own `t[i]` is only four of them.

    /// `get` for any key but a `String`.
    @inlinable @inline(__always)
    func getValue<K: LuaPushable, R: LuaReadable>(_ key: K, as type: R.Type) throws -> R {
        if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        // Why a raw read comes first: Lua consults `__index` only when the raw value is nil, so
        // a hit is the whole answer whatever the metatable, and a raw read cannot raise (a nil
        // or NaN key reads nil). That spares a hit the lua_getmetatable test, which costs a
        // third as much as the C API's whole `t[i]`.
        let isTable = lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref)) == LUA_TTABLE
        if !isTable || Self.rawGet(key, L, state) == LUA_TNIL {
            if isTable { lua_settop(L, -2) }  // the nil
            do { try key.push(on: L, state: state) } catch { lua_settop(L, -2); throw error }
            let status = rscript_gettable(L, -2)
            if status != LUA_OK { throw state.tableError(status: status) }
        }
        defer { lua_settop(L, -3) }
        return try R.read(from: L, at: -1, state: state)
    }

    /// `get` for a `String` key, given as its NUL-terminated bytes.
    @inlinable @inline(__always)
    func getField<R: LuaReadable>(_ name: UnsafeBufferPointer<CChar>, as type: R.Type) throws -> R {
        if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        // Why not a raw read first, as in getValue: that needs the key pushed, and
        // lua_pushlstring hashes and compares it every time, while lua_getfield finds a repeated
        // name through Lua's string cache; on a table without a metatable it is a raw read.
        if pushPlain(L) && !name.containsZero {
            lua_getfield(L, -1, name.baseAddress)
        } else {
            lua_pushlstring(L, name.baseAddress, name.count)
            let status = rscript_gettable(L, -2)
            if status != LUA_OK { throw state.tableError(status: status) }
        }
        defer { lua_settop(L, -3) }
        return try R.read(from: L, at: -1, state: state)
    }

    /// `set` for any key but a `String`.
    @inlinable @inline(__always)
    func setValue<K: LuaPushable, V: LuaPushable>(_ key: K, _ value: V) throws {
        if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        // No metatable, no `__newindex`: a raw write is the whole operation. It raises only for
        // a nil or NaN key, which an integer cannot be; other keys go to rscript_settable, which
        // tests the key and returns a status instead. (lua_seti rather than lua_rawseti: on a
        // table without a metatable they do the same, and lua_seti's inlined array path is
        // faster, about 4 ns of ~20.)
        if pushPlain(L), let index = Self.integerKey(key) {
            do { try value.push(on: L, state: state) } catch { lua_settop(L, -2); throw error }
            lua_seti(L, -2, index)
        } else {
            do { try key.push(on: L, state: state) } catch { lua_settop(L, -2); throw error }
            do { try value.push(on: L, state: state) } catch { lua_settop(L, -3); throw error }
            let status = rscript_settable(L, -3)
            if status != LUA_OK { throw state.tableError(status: status) }
        }
        lua_settop(L, -2)
    }

    /// `set` for a `String` key, given as its NUL-terminated bytes.
    @inlinable @inline(__always)
    func setField<V: LuaPushable>(_ name: UnsafeBufferPointer<CChar>, _ value: V) throws {
        if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        // As in setValue; a string key is never nil or NaN, and lua_setfield on a table without
        // a metatable is a raw write (see getField for why not lua_pushlstring + lua_rawset).
        if pushPlain(L) && !name.containsZero {
            do { try value.push(on: L, state: state) } catch { lua_settop(L, -2); throw error }
            lua_setfield(L, -2, name.baseAddress)
        } else {
            lua_pushlstring(L, name.baseAddress, name.count)
            do { try value.push(on: L, state: state) } catch { lua_settop(L, -3); throw error }
            let status = rscript_settable(L, -3)
            if status != LUA_OK { throw state.tableError(status: status) }
        }
        lua_settop(L, -2)
    }

    /// Pushes the referenced value and tells whether it is a table without a metatable, on
    /// which a raw access is all a get or set does. (The type comes free with lua_rawgeti;
    /// testing it keeps the raw calls off anything but a table.)
    @inlinable @inline(__always)
    func pushPlain(_ L: OpaquePointer) -> Bool {
        guard lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref)) == LUA_TTABLE else { return false }
        if lua_getmetatable(L, -1) == 0 { return true }
        lua_settop(L, -2)  // the metatable
        return false
    }

    /// Pushes `rawget(t, key)` for the table at the top and returns its type. Never raises.
    @inlinable @inline(__always)
    static func rawGet<K: LuaPushable>(_ key: K, _ L: OpaquePointer, _ state: LuaState) -> Int32 {
        if let index = integerKey(key) { return lua_rawgeti(L, -1, index) }
        // A key that cannot be pushed (data nested too deeply) is in no table: it reads nil.
        do { try key.push(on: L, state: state) } catch { lua_pushnil(L); return LUA_TNIL }
        return lua_rawget(L, -2)
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

    /// Whether the key's static type is `String`; folds to a constant when specialized.
    @inlinable @inline(__always)
    static func isStringKey<K: LuaPushable>(_ key: K) -> Bool {
        K.self == String.self
    }

    /// Runs `body` with the NUL-terminated bytes of a key whose static type is `String`.
    ///
    /// Why get/set run *inside* this rather than make the C string where it is used: a short
    /// Swift string lives in registers and is spilled to the stack to get a pointer; Lua then
    /// compares it with wide vector loads, which stall when they read stores still in flight.
    /// Spilled first, before the table is fetched, the bytes have settled by the time Lua reads
    /// them. (String's own `push(on:state:)` is also an out-of-line call that copies the string.)
    @inlinable @inline(__always)
    static func withStringKey<K: LuaPushable, T>(_ key: K, _ body: (UnsafeBufferPointer<CChar>) throws -> T) rethrows -> T {
        let name = unsafeBitCast(key, to: String.self)
        let count = name.utf8.count
        return try name.withCString { try body(UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// `rawget(t, key)`: no metamethods.
    public func rawGet(_ key: some LuaPushable) throws -> LuaValue {
        try state.checkOpen()
        let L = state.L
        push()
        do { try key.push(on: L, state: state) } catch { lua_settop(L, -2); throw error }
        lua_rawget(L, -2)
        defer { lua_settop(L, -3) }
        return try state.value(at: -1)
    }

    /// `rawset(t, key, value)`: no metamethods. A nil or NaN key throws.
    public func rawSet(_ key: LuaValue, _ value: LuaValue) throws {
        if key.isNil { throw LuaError(.conversion, "table index is nil") }
        if case .double(let d) = key, d.isNaN { throw LuaError(.conversion, "table index is NaN") }
        try state.checkOpen()
        let L = state.L
        push()
        do { try state.push(key, on: L) } catch { lua_settop(L, -2); throw error }
        do { try state.push(value, on: L) } catch { lua_settop(L, -3); throw error }
        lua_rawset(L, -3)
        lua_settop(L, -2)
    }

    /// `#t` without `__len`.
    public var rawLength: Int {
        if state.isClosed { return 0 }
        push()
        defer { lua_settop(state.L, -2) }
        return Int(lua_rawlen(state.L, -1))
    }

    /// The raw key/value pairs (a snapshot, as data; keys or values that are not data throw).
    public func pairs() throws -> [(key: LuaValue, value: LuaValue)] {
        try state.checkOpen()
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
        if state.isClosed { return [] }
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

    /// A field that holds a function, or nil. May run `__index` (protected: an error in it gives nil).
    public func function(_ key: String) -> LuaFunction? {
        if state.isClosed { return nil }
        let L = state.L
        push()
        state.pushString(key, on: L)
        defer { lua_settop(L, -2) }
        guard rscript_gettable(L, -2) == LUA_OK, lua_type(L, -1) == LUA_TFUNCTION else {
            lua_settop(L, -2)  // the value or the error
            return nil
        }
        return LuaFunction(state: state, popping: L)
    }
}

extension UnsafeBufferPointer<CChar> {
    /// Whether a key has an embedded zero (which lua_getfield/lua_setfield would cut at).
    @inlinable var containsZero: Bool {
        for c in self where c == 0 { return true }
        return false
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
