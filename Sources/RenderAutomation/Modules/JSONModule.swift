// Raw Lua C API: lays out the stack slots (text, null, markers) that the codec's Lua ends read raw, and pushes the output without a copy.
import CLuaShim
import LuaBridge

/// `require("rscript.json")`: JSON text to Lua values and back.
///
/// - `encode(value [, {pretty=, indent=, sort_keys=}])`: the JSON text of `value`.
/// - `decode(text)`: the value of JSON text.
/// - `null`: the null sentinel (the global `null`); JSON `null` decodes to it, not to nil.
/// - `object([t])`, `array([t])`: mark a table (or a new one) as an object or an array, which
///   decides how it encodes when empty or when keys alone cannot tell.
///
/// Integers stay integers both ways (`1` is an integer, `1.0` and `1e2` are floats); strings are
/// bytes and must be UTF-8. The encoder and decoder are the one JSON core (`JSONReader`,
/// `JSONTextWriter`, in `JSON/`) with Lua ends that work on the Lua stack directly
/// (`LuaJSONSink`, `LuaJSONWriter`) and never run Lua code.
enum JSONModule: RuntimeModule {
    static let name = "rscript.json"

    /// Deepest nesting `decode` accepts: what Lua data may have (`LuaState.maxDataDepth`).
    static let maxDecodeDepth = 1000

    /// Registry key of the array marker metatable (`__jsontype = "array"`).
    static let arrayMarkerKey = "rscript.json.array"

    static func open(in runtime: ScriptRuntime) {
        let state = runtime.state
        let L = state.L
        state.pushNull()
        let nullPointer = lua_topointer(L, -1)
        lua_settop(L, -2)
        pushArrayMarker(L)
        lua_settop(L, -2)

        let buffers = Buffers()
        state.pushModule("json", functions: [
            ("encode", { call in
                let L = call.L
                if call.type(1) == LUA_TNONE { throw LuaArgumentError(position: 1, "value expected") }
                let options = try writeOptions(call)
                lua_settop(L, 1)
                state.pushObjectMarker(on: L)  // slot 2
                pushArrayMarker(L)  // slot 3
                lua_pushstring(L, "__jsontype")  // slot 4
                let output = buffers.takeOutput()
                defer { buffers.giveBack(output: output) }
                var writer = LuaJSONWriter(
                    L: L, out: output, options: options, nullPointer: nullPointer,
                    objectMarkerSlot: 2, arrayMarkerSlot: 3, jsonTypeKeySlot: 4)
                try writer.write(at: 1)
                output.base.withMemoryRebound(to: CChar.self, capacity: output.count) {
                    _ = lua_pushlstring(L, $0, output.count)
                }
                return 1
            }),
            ("decode", { call in
                let L = call.L
                let type = call.type(1)
                guard type == LUA_TSTRING || type == LUA_TNUMBER else {
                    throw call.typeError(1, expected: "string")
                }
                let duplicateKeys = try decodeOptions(call)
                lua_settop(L, 1)
                var length = 0
                let text = lua_tolstring(L, 1, &length)!  // stays valid: the string stays in slot 1
                state.pushNull(on: L)  // slot 2
                state.pushObjectMarker(on: L)  // slot 3
                let scratch = buffers.takeScratch()
                defer { buffers.giveBack(scratch: scratch) }
                let sink = LuaJSONSink(L: L, nullSlot: 2, objectMarkerSlot: 3, memory: state)
                var reader = text.withMemoryRebound(to: UInt8.self, capacity: length + 1) {
                    JSONReader(p: $0, count: length, sink: sink, maxDepth: maxDecodeDepth, scratch: scratch)
                }
                reader.duplicateKeys = duplicateKeys
                do {
                    try reader.parseDocument()
                } catch let failure as JSONReadError {
                    throw LuaScriptError(decoding: failure)
                }
                return 1
            }),
            ("object", { call in
                try mark(call, pushMarker: { state.pushObjectMarker(on: $0) })
            }),
            ("array", { call in
                try mark(call, pushMarker: pushArrayMarker)
            }),
        ])
        state.pushNull()
        lua_setfield(L, -2, "null")
    }

    /// Buffers reused across calls. A call made while one is in use (from a `__gc` finalizer
    /// that Lua ran during a decode, say) gets a fresh one instead.
    final class Buffers {
        private let output = ByteBuffer()
        private let scratch = ByteBuffer()
        private var outputInUse = false
        private var scratchInUse = false

        func takeOutput() -> ByteBuffer {
            if outputInUse { return ByteBuffer() }
            outputInUse = true
            output.reset()
            return output
        }

        func giveBack(output buffer: ByteBuffer) {
            if buffer === output { outputInUse = false }
        }

        func takeScratch() -> ByteBuffer {
            if scratchInUse { return ByteBuffer(capacity: 256) }
            scratchInUse = true
            return scratch
        }

        func giveBack(scratch buffer: ByteBuffer) {
            if buffer === scratch {
                scratchInUse = false
                scratch.reset()
            }
        }
    }

    /// Pushes the array marker metatable, making it on first use.
    static func pushArrayMarker(_ L: OpaquePointer) {
        if lua_getfield(L, rscript_registryindex(), arrayMarkerKey) == LUA_TTABLE { return }
        lua_settop(L, -2)
        lua_createtable(L, 0, 1)
        lua_pushstring(L, "array")
        lua_setfield(L, -2, "__jsontype")
        lua_pushvalue(L, -1)
        lua_setfield(L, rscript_registryindex(), arrayMarkerKey)
    }

    /// `json.object([t])` / `json.array([t])`: sets the marker on `t` (or a new table), returns it.
    /// A table with a metatable of its own (a class instance, say) is refused: replacing it would
    /// break the table.
    private static func mark(_ call: LuaCall, pushMarker: (OpaquePointer) -> Void) throws -> Int32 {
        let L = call.L
        if call.isNoneOrNil(1) {
            lua_createtable(L, 0, 0)
        } else {
            guard call.type(1) == LUA_TTABLE else { throw call.typeError(1, expected: "table or nil") }
            lua_settop(L, 1)
            if lua_getmetatable(L, 1) != 0 {
                call.state.pushObjectMarker(on: L)
                pushArrayMarker(L)
                guard lua_rawequal(L, -3, -2) != 0 || lua_rawequal(L, -3, -1) != 0 else {
                    throw LuaArgumentError(position: 1, "table already has a metatable")
                }
                lua_settop(L, 1)
            }
        }
        pushMarker(L)
        lua_setmetatable(L, -2)
        return 1
    }

    /// Reads `encode`'s options table (argument 2) raw; unknown keys are errors, to catch typos.
    private static func writeOptions(_ call: LuaCall) throws -> JSONWriteOptions {
        var options = JSONWriteOptions()
        guard !call.isNoneOrNil(2) else { return options }
        guard call.type(2) == LUA_TTABLE else { throw call.typeError(2, expected: "table or nil") }
        let L = call.L
        var pretty: Bool?
        var indent: Int64?
        lua_pushnil(L)
        while lua_next(L, 2) != 0 {
            defer { lua_settop(L, -2) }
            guard lua_type(L, -2) == LUA_TSTRING else {
                throw LuaArgumentError(position: 2, "option names must be strings")
            }
            var keyLength = 0
            let keyChars = lua_tolstring(L, -2, &keyLength)!
            let key = String(decoding: UnsafeRawBufferPointer(start: keyChars, count: keyLength), as: UTF8.self)
            let type = lua_type(L, -1)
            switch key {
            case "pretty", "sort_keys":
                guard type == LUA_TBOOLEAN else {
                    throw LuaArgumentError(position: 2, "option '\(key)' must be a boolean, got \(call.state.typeName(at: -1, on: L))")
                }
                let value = lua_toboolean(L, -1) != 0
                if key == "pretty" { pretty = value } else { options.sortKeys = value }
            case "indent":
                var isInteger: Int32 = 0
                let value = lua_tointegerx(L, -1, &isInteger)
                guard type == LUA_TNUMBER, isInteger != 0, (0...16).contains(value) else {
                    throw LuaArgumentError(position: 2, "option 'indent' must be an integer from 0 to 16")
                }
                indent = value
            default:
                throw LuaArgumentError(position: 2, "unknown option '\(key)'; expected pretty, indent or sort_keys")
            }
        }
        if let indent {
            options.indent = pretty == false ? 0 : Int(indent)
        } else if pretty == true {
            options.indent = 2
        }
        return options
    }

    /// `decode`'s options table: only `duplicate_keys = "last" | "error" | "rename"`.
    private static func decodeOptions(_ call: LuaCall) throws -> JSONDuplicateKeys {
        guard call.argumentCount >= 2, call.type(2) != LUA_TNIL else { return .last }
        guard let options = try call.optionalTable(2) else { return .last }
        var mode = JSONDuplicateKeys.last
        for (key, value) in try options.pairs() {
            guard case .string(let name) = key else { throw LuaArgumentError(position: 2, "option names must be strings") }
            guard name == "duplicate_keys" else {
                throw LuaArgumentError(position: 2, "unknown option '\(name)'; expected duplicate_keys")
            }
            guard case .string(let text) = value, let chosen = JSONDuplicateKeys(rawValue: text) else {
                throw LuaArgumentError(position: 2, "option 'duplicate_keys' must be \"last\", \"error\" or \"rename\"")
            }
            mode = chosen
        }
        return mode
    }
}
