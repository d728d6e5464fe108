import CLuaShim

// The fast paths of `LuaTable.get`/`set` for a `LuaKey` (see LuaTable.swift for the rule they
// keep: a raw access only where it is the whole operation and cannot raise).
extension LuaTable {
    /// The key when its static type is `LuaKey` and it was interned in `state`, else nil; the
    /// type test folds away once specialized.
    @inlinable @inline(__always)
    static func internedKey<K: LuaPushable>(_ key: K, _ state: LuaState) -> LuaKey? {
        guard K.self == LuaKey.self else { return nil }
        let key = unsafeBitCast(key, to: LuaKey.self)
        return key.isInterned(in: state) ? key : nil
    }

    /// `get` for an interned key. As for integer keys (getValue), a raw read comes first: a hit
    /// is the whole answer whatever the metatable, and a raw read with a string key cannot
    /// raise. With the key's string pushed from the registry that read costs no hashing, so
    /// a hit needs no lua_getmetatable test either; only a miss goes to the protected path.
    @inlinable @inline(__always)
    func getKey<R: LuaReadable>(_ key: LuaKey, as type: R.Type) throws -> R {
        if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        let isTable = lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref)) == LUA_TTABLE
        if !isTable || Self.rawGetKey(key, L) == LUA_TNIL {
            if isTable { lua_settop(L, -2) }  // the nil
            lua_rawgeti(L, rscript_registryindex(), lua_Integer(key.ref))
            let status = rscript_gettable(L, -2)
            if status != LUA_OK { throw state.tableError(status: status) }
        }
        defer { lua_settop(L, -3) }
        return try R.read(from: L, at: -1, state: state)
    }

    /// `set` for an interned key. A set may run `__newindex`, so the metatable test stays (it
    /// is what makes the raw write safe); the key is pushed from the registry and written with
    /// lua_rawset, which never raises for a string key.
    @inlinable @inline(__always)
    func setKey<V: LuaPushable>(_ key: LuaKey, _ value: V) throws {
        if state.isClosed { throw LuaState.closedError() }
        let L = state.L
        let plain = pushPlain(L)
        if plain, let cName = key.storage.cName {
            do { try value.push(on: L, state: state) } catch { lua_settop(L, -2); throw error }
            lua_setfield(L, -2, cName)
            lua_settop(L, -2)
            return
        }
        lua_rawgeti(L, rscript_registryindex(), lua_Integer(key.ref))
        do { try value.push(on: L, state: state) } catch { lua_settop(L, -3); throw error }
        if plain {
            lua_rawset(L, -3)
        } else {
            let status = rscript_settable(L, -3)
            if status != LUA_OK { throw state.tableError(status: status) }
        }
        lua_settop(L, -2)
    }

    /// Pushes `rawget(t, key)` for the table at the top and returns its type. Never raises.
    @inlinable @inline(__always)
    static func rawGetKey(_ key: LuaKey, _ L: OpaquePointer) -> Int32 {
        lua_rawgeti(L, rscript_registryindex(), lua_Integer(key.ref))
        return lua_rawget(L, -2)
    }
}
