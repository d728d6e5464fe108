import CLuaShim
import LuaBridge

/// Parses JSON text straight onto a Lua stack, without an intermediate tree.
///
/// Objects become tables with the object marker as metatable (so `{}` survives a round trip),
/// arrays become sequences, `null` the null sentinel. Numbers without a fraction or exponent are
/// integers (floats when they do not fit in 64 bits), others floats. Strings must be UTF-8.
///
/// Uses only raw table access, so it never raises a Lua error: failures throw a `LuaScriptError`
/// whose message gives the line and column. What it builds counts against `memory`'s limit
/// (checked as each value is stored; past the limit it collects garbage, which may run
/// finalizers, and throws the limit's error if that did not help).
struct JSONReader {
    /// Deepest nesting of arrays and objects accepted.
    static let maxDepth = 1000

    let L: OpaquePointer
    /// The text; `p[count]` is the NUL that Lua puts after every string, which the scanners
    /// use as an end sentinel.
    let p: UnsafePointer<UInt8>
    let count: Int
    /// Stack slots holding the null sentinel and the object marker metatable.
    let nullSlot: Int32
    let objectMarkerSlot: Int32
    /// Scratch space for strings with escapes.
    let scratch: ByteBuffer
    /// What a key seen twice in one object does.
    var duplicateKeys: DuplicateKeys = .last
    /// The state whose memory limit the decoded value counts against (nil: none).
    var memory: LuaState?
    var i = 0

    enum DuplicateKeys: String {
        /// The last value wins (what most readers do).
        case last
        /// The text is refused, naming the key and where it is.
        case error
        /// The later values are kept under `key#2`, `key#3`, ...: a reader that must not lose a
        /// copied entry (a workfile's instances) can then find and mend it.
        case rename
    }

    /// Parses the whole text and leaves its value on the stack.
    mutating func parseDocument() throws {
        try parseValue()
        skipWhitespace()
        if i < count { throw unexpected() }
    }

    // MARK: Values

    /// The arrays and objects being filled, innermost last. Parsing is a loop over this
    /// explicit stack rather than recursion, so deep nesting costs no native stack.
    private enum Open {
        /// An array and how many items it has so far.
        case array(lua_Integer)
        /// An object; its table is below the key being filled, which starts at `keyOffset`.
        case object(keyOffset: Int)
    }

    /// Parses one value (with everything nested in it) and pushes it.
    private mutating func parseValue() throws {
        var open: [Open] = []
        while true {
            // A value starts here: a scalar is pushed whole; a container is opened, and the
            // loop goes on with its first item.
            skipWhitespace()
            var opened = false
            switch p[i] {
            case UInt8(ascii: "["):
                try enter(depth: open.count + 1)
                i += 1
                lua_createtable(L, 0, 0)
                skipWhitespace()
                if p[i] == UInt8(ascii: "]") {
                    i += 1
                } else {
                    open.append(.array(0))
                    opened = true
                }
            case UInt8(ascii: "{"):
                try enter(depth: open.count + 1)
                i += 1
                lua_createtable(L, 0, 0)
                lua_pushvalue(L, objectMarkerSlot)
                lua_setmetatable(L, -2)
                skipWhitespace()
                if p[i] == UInt8(ascii: "}") {
                    i += 1
                } else {
                    open.append(.object(keyOffset: i))
                    try parseKey()
                    opened = true
                }
            case UInt8(ascii: "\""): try parseString()
            case UInt8(ascii: "t"):
                try literal("true")
                lua_pushboolean(L, 1)
            case UInt8(ascii: "f"):
                try literal("false")
                lua_pushboolean(L, 0)
            case UInt8(ascii: "n"):
                try literal("null")
                lua_pushvalue(L, nullSlot)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try parseNumber()
            default:
                throw unexpected()
            }
            if opened { continue }

            // A value is complete on top of the stack: store it in the innermost container;
            // then either the next item starts, or the container is complete too.
            while true {
                if let memory, memory.isOverMemoryLimit { try memory.checkMemoryLimit(on: L) }
                guard let innermost = open.last else { return }
                switch innermost {
                case .array(let n):
                    lua_rawseti(L, -2, n + 1)
                    open[open.count - 1] = .array(n + 1)
                case .object(let keyOffset):
                    if duplicateKeys != .last { try settleDuplicateKey(at: keyOffset) }
                    lua_rawset(L, -3)  // a repeated key: the last one wins
                }
                skipWhitespace()
                let c = p[i]
                if c == UInt8(ascii: ",") {
                    i += 1
                    if case .object = innermost {
                        skipWhitespace()
                        open[open.count - 1] = .object(keyOffset: i)
                        try parseKey()
                    }
                    break
                }
                let close: UInt8
                if case .object = innermost { close = UInt8(ascii: "}") } else { close = UInt8(ascii: "]") }
                guard c == close else { throw unexpected() }
                i += 1
                open.removeLast()
            }
        }
    }

    /// With the object, key and value on top of the stack: refuses a key the object already
    /// has, or replaces it by the first free `key#N`.
    private func settleDuplicateKey(at keyOffset: Int) throws {
        lua_pushvalue(L, -2)
        let taken = lua_rawget(L, -4) != LUA_TNIL
        lua_settop(L, -2)
        guard taken else { return }
        var length = 0
        let chars = lua_tolstring(L, -2, &length)!
        let key = String(decoding: UnsafeRawBufferPointer(start: chars, count: length), as: UTF8.self)
        if duplicateKeys == .error { throw error("duplicate key \"\(key)\"", at: keyOffset) }
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
    }

    /// Parses `"key" :` and pushes the key.
    private mutating func parseKey() throws {
        skipWhitespace()
        guard p[i] == UInt8(ascii: "\"") else { throw unexpected() }
        try parseString()
        skipWhitespace()
        guard p[i] == UInt8(ascii: ":") else { throw unexpected() }
        i += 1
    }

    private mutating func enter(depth: Int) throws {
        if depth > Self.maxDepth || rscript_checkstack(L, 4) == 0 {
            throw error("nesting deeper than \(Self.maxDepth) levels")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let w = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount {
            guard p[i] == w[k] else { throw unexpected() }
            i += 1
        }
    }

    // MARK: Numbers

    private mutating func parseNumber() throws {
        let start = i
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        if p[i] == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(p[i]) {
            while isDigit(p[i]) { i += 1 }
        } else {
            throw unexpected()
        }
        var isFloat = false
        if p[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(p[i]) else { throw unexpected() }
            while isDigit(p[i]) { i += 1 }
            isFloat = true
        }
        if p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(p[i]) else { throw unexpected() }
            while isDigit(p[i]) { i += 1 }
            isFloat = true
        }
        if !isFloat, let value = integer(from: start + (negative ? 1 : 0), to: i, negative: negative) {
            lua_pushinteger(L, value)
            return
        }
        // A float, or an integer too big for 64 bits: Lua's own conversion (locale-proof).
        let length = i - start
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            let chars = buffer.baseAddress!
            UnsafeMutableRawPointer(chars).copyMemory(from: p + start, byteCount: length)
            chars[length] = 0
            if lua_stringtonumber(L, chars) == 0 { lua_pushnumber(L, .nan) }  // unreachable: the grammar was checked
        }
    }

    /// The decimal digits `p[from..<to]` as an Int64, or nil if they overflow it.
    private func integer(from: Int, to: Int, negative: Bool) -> Int64? {
        if to - from > 19 { return nil }
        var magnitude: UInt64 = 0
        for k in from..<to {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(p[k] &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            magnitude = sum
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return nil }
            return Int64(bitPattern: 0 &- magnitude)
        }
        return magnitude > UInt64(Int64.max) ? nil : Int64(magnitude)
    }

    @inline(__always)
    private func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    // MARK: Whitespace and errors

    @inline(__always)
    private mutating func skipWhitespace() {
        while true {
            switch p[i] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): i += 1
            default: return
            }
        }
    }

    /// "unexpected character 'x'" (or end of input) at the current position.
    func unexpected() -> LuaScriptError {
        if i >= count { return error("unexpected end of input", at: count) }
        let c = p[i]
        if c >= 0x80 {
            let n = UTF8Check.sequenceLength(p + i, available: count - i)
            if n > 0 {
                let text = String(decoding: UnsafeBufferPointer(start: p + i, count: n), as: UTF8.self)
                return error("unexpected character '\(text)'")
            }
        }
        return error("unexpected character '\(display(c))'")
    }

    /// A byte as an error message shows it: itself if printable ASCII, else `\xNN`.
    func display(_ c: UInt8) -> String {
        if c >= 0x20 && c < 0x7F { return String(UnicodeScalar(c)) }
        let hex = Array("0123456789ABCDEF".utf8)
        return "\\x" + String(decoding: [hex[Int(c >> 4)], hex[Int(c & 0xF)]], as: UTF8.self)
    }

    func error(_ message: String, at offset: Int? = nil) -> LuaScriptError {
        let offset = min(offset ?? i, count)
        var line = 1
        var column = 1
        for k in 0..<offset {
            let c = p[k]
            if c == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if c & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
                column += 1
            }
        }
        return LuaScriptError("json.decode: \(message) at line \(line), column \(column)")
    }
}
