import CLuaShim

/// A string key made once, for a hot path that uses the same field name again and again
/// (options tables, metadata, JSON objects): `t.get(key, as:)` and `t.set(key, v)` push the Lua
/// string the key holds instead of converting and hashing a Swift `String` on every access.
///
/// The key keeps its Lua string in the registry (so it is interned once and never collected)
/// and belongs to the state that made it; used with a table of another state it is pushed as
/// its `name`, like a `String`. It pushes as a string anywhere a `LuaPushable` goes.
///
/// Make it with `state.key("name")`, on the state's thread, and keep it: making one costs more
/// than the accesses it saves. Copies share one registry slot, released with the last copy.
///
/// Why a struct around a class: `LuaTable.get/set` recognise a key by comparing its static type
/// with `LuaKey.self`, which folds to a constant for a struct (its metadata is static) but costs
/// a metadata-accessor call for a class, on every access with any key type.
public struct LuaKey: LuaPushable {
    /// Owns the registry slot.
    @usableFromInline final class Storage {
        @usableFromInline let state: LuaState
        let ref: Int32
        /// The name, NUL-terminated, at an address that stays put (nil if it holds a zero byte).
        @usableFromInline let cName: UnsafeMutablePointer<CChar>?
        init(state: LuaState, ref: Int32, name: String) {
            self.state = state
            self.ref = ref
            let utf8 = Array(name.utf8)
            if utf8.contains(0) {
                cName = nil
            } else {
                let p = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
                for (i, byte) in utf8.enumerated() { p[i] = CChar(bitPattern: byte) }
                p[utf8.count] = 0
                cName = p
            }
        }
        deinit {
            if !state.isClosed && ref != LUA_NOREF { luaL_unref(state.L, rscript_registryindex(), ref) }
            cName?.deallocate()
        }
    }

    /// The key as a Swift string.
    public let name: String
    /// The registry reference of the interned Lua string (LUA_NOREF if the state was closed).
    public let ref: Int32
    @usableFromInline let storage: Storage

    /// The state the key was interned in.
    public var state: LuaState { storage.state }

    /// Interns `name` in `state`. Never runs Lua code; cannot raise (the memory limit does not
    /// apply outside Lua code).
    public init(_ name: String, in state: LuaState) {
        self.name = name
        if state.isClosed {
            ref = LUA_NOREF
        } else {
            state.pushString(name)
            ref = luaL_ref(state.L, rscript_registryindex())
        }
        storage = Storage(state: state, ref: ref, name: name)
    }

    /// Pushes the key: the interned string on its own state, a new copy of `name` on another.
    @inlinable
    public func push(on L: OpaquePointer, state: LuaState) {
        if isInterned(in: state) {
            lua_rawgeti(L, rscript_registryindex(), lua_Integer(ref))
        } else {
            state.pushString(name, on: L)
        }
    }

    /// Whether this key can be pushed from its registry slot on `state`'s stacks.
    @inlinable @inline(__always)
    func isInterned(in state: LuaState) -> Bool {
        storage.state === state && ref != LUA_NOREF
    }
}

extension LuaState {
    /// A key interned in this state (see `LuaKey`).
    public func key(_ name: String) -> LuaKey { LuaKey(name, in: self) }
}
