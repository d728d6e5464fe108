// Raw Lua C API: builds decoded tables directly on the stack with raw sets, for speed, and so that no Lua code runs.
import CLuaShim
import LuaBridge

/// The Lua end of `JSONReader`: builds the value straight on a Lua stack, without an
/// intermediate tree.
///
/// Objects become tables with the object marker as metatable (so `{}` survives a round trip),
/// arrays become sequences, `null` the null sentinel. Uses only raw table access, so it never
/// raises a Lua error. What it builds counts against `memory`'s limit (checked as each value is
/// stored; past the limit it collects garbage, which may run finalizers, and throws the limit's
/// error if that did not help).
struct LuaJSONSink: JSONSink {
    let L: OpaquePointer
    /// Stack slots holding the null sentinel and the object marker metatable.
    let nullSlot: Int32
    let objectMarkerSlot: Int32
    /// The state whose memory limit the decoded value counts against (nil: none).
    var memory: LuaState?

    @inline(__always)
    func hasRoomToOpen() -> Bool { rscript_checkstack(L, 4) != 0 }

    @inline(__always)
    func beginArray() { lua_createtable(L, 0, 0) }

    @inline(__always)
    func endArray() {}

    @inline(__always)
    func beginObject() {
        lua_createtable(L, 0, 0)
        lua_pushvalue(L, objectMarkerSlot)
        lua_setmetatable(L, -2)
    }

    @inline(__always)
    func endObject() {}

    @inline(__always)
    func string(_ bytes: UnsafePointer<UInt8>, count: Int) {
        bytes.withMemoryRebound(to: CChar.self, capacity: count) { _ = lua_pushlstring(L, $0, count) }
    }

    @inline(__always)
    func bool(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }

    @inline(__always)
    func null() { lua_pushvalue(L, nullSlot) }

    @inline(__always)
    func integer(_ value: Int64) { lua_pushinteger(L, value) }

    /// Lua's own conversion (locale-proof).
    func float(_ text: UnsafePointer<UInt8>, count length: Int) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            let chars = buffer.baseAddress!
            UnsafeMutableRawPointer(chars).copyMemory(from: text, byteCount: length)
            chars[length] = 0
            if lua_stringtonumber(L, chars) == 0 { lua_pushnumber(L, .nan) }  // unreachable: the grammar was checked
        }
    }

    @inline(__always)
    func storeItem(_ index: Int64) { lua_rawseti(L, -2, index) }

    @inline(__always)
    func storeMember() { lua_rawset(L, -3) }

    func settleDuplicateKey(_ mode: JSONDuplicateKeys) -> String? {
        lua_pushvalue(L, -2)
        let taken = lua_rawget(L, -4) != LUA_TNIL
        lua_settop(L, -2)
        guard taken else { return nil }
        var length = 0
        let chars = lua_tolstring(L, -2, &length)!
        let key = String(decoding: UnsafeRawBufferPointer(start: chars, count: length), as: UTF8.self)
        if mode == .error { return key }
        var n = 2
        while true {
            let candidate = "\(key)#\(n)"
            _ = candidate.withCString { lua_pushstring(L, $0) }
            if lua_rawget(L, -4) == LUA_TNIL {
                lua_settop(L, -2)
                break
            }
            lua_settop(L, -2)
            n += 1
        }
        _ = "\(key)#\(n)".withCString { lua_pushstring(L, $0) }
        lua_replace(L, -3)
        return nil
    }

    @inline(__always)
    func didStoreValue() throws {
        if let memory, memory.isOverMemoryLimit { try memory.checkMemoryLimit(on: L) }
    }
}

extension LuaScriptError {
    /// `json.decode`'s wording of malformed text.
    init(decoding failure: JSONReadError) {
        self.init("json.decode: \(failure.message) at line \(failure.line), column \(failure.column)")
    }
}
