import CLuaShim
import LuaBridge
// C API: completion runs from a libedit callback where nothing may raise or run Lua code, so it
// walks tables, metatables and the upvalues of C functions raw; LuaBridge offers no raw walk.

/// Tab completion of Lua names: globals and keywords, the fields of a table (`string.fo` →
/// `string.format`), and methods after `:` (`s:up` → `s:upper` for a string `s`).
///
/// Completion runs inside libedit, from a C callback, while no Lua code runs; it must never
/// raise. It therefore reads only with raw operations (`lua_rawget`, `lua_next` on tables,
/// `lua_getmetatable`, `lua_getupvalue`) and never runs a metamethod or any other Lua code.
/// Fields that an object provides through `__index` are found when `__index` is a table, or a
/// C function whose upvalues are tables (the methods and properties of rscript's classes).
final class ReplCompleter {
    unowned let state: LuaState

    /// How many `__index` tables deep to look.
    static let maxDepth = 8

    static let keywords = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
        "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    /// Characters that end a word for completion: everything that cannot be part of a dotted
    /// name (`.` and `:` are not among them, so `string.fo` is one word).
    static let wordBreakCharacters = " \t\n\"'`@$><=;|&{(+-*/%^#~,[])}"

    init(state: LuaState) {
        self.state = state
    }

    struct Completions: Equatable {
        /// Full replacements for the word, sorted.
        var matches: [String]
        /// What to put after the word when there is exactly one match: `.` after a table,
        /// `(` after a function, nothing otherwise.
        var suffix: String
    }

    /// The completions of `word` (the text before the cursor, back to a word break).
    func complete(_ word: String) -> Completions {
        guard !state.isClosed else { return Completions(matches: [], suffix: "") }
        let L = state.L
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        guard rscript_checkstack(L, 2 * Int32(Self.maxDepth) + 16) != 0 else { return Completions(matches: [], suffix: "") }

        // Split `a.b.c:pre` into the path `a.b.c`, the separator, and the prefix `pre`.
        let separatorIndex = word.lastIndex(where: { $0 == "." || $0 == ":" })
        let prefix = separatorIndex.map { String(word[word.index(after: $0)...]) } ?? word
        var path: [Substring] = []
        var separator: Character?
        if let separatorIndex {
            separator = word[separatorIndex]
            let base = word[..<separatorIndex]
            path = base.split(separator: ".", omittingEmptySubsequences: false)
            guard path.allSatisfy(Self.isIdentifier) else { return Completions(matches: [], suffix: "") }
        }
        guard prefix.isEmpty || Self.isName(prefix[...]) else { return Completions(matches: [], suffix: "") }

        lua_pushglobaltable(L)
        for component in path {
            pushRawField(L, -1, String(component), depth: 0)
            lua_rotate(L, -2, -1)
            lua_settop(L, -2)
            if lua_type(L, -1) == LUA_TNIL { return Completions(matches: [], suffix: "") }
        }
        var fields: [String: Int32] = [:]  // name -> Lua type of its value
        collectFields(L, lua_gettop(L), into: &fields, depth: 0)
        if separator == ":" {
            fields = fields.filter { $0.value == LUA_TFUNCTION }
        }
        // Metamethods (`__index`, `__tostring`) only when asked for.
        var names = fields.keys.filter { $0.hasPrefix(prefix) && (!$0.hasPrefix("__") || prefix.hasPrefix("__")) }
        if path.isEmpty && separator == nil {
            names += Self.keywords.filter { $0.hasPrefix(prefix) && fields[$0] == nil }
        }
        let lead = separatorIndex.map { String(word[...$0]) } ?? ""
        let matches = names.sorted().map { lead + $0 }
        var suffix = ""
        if names.count == 1, let type = fields[names[0]] {
            if type == LUA_TFUNCTION {
                suffix = "("
            } else if type == LUA_TTABLE && separator != ":" {
                suffix = "."
            }
        }
        return Completions(matches: matches, suffix: suffix)
    }

    // MARK: Raw reading

    /// Pushes `value[key]` as the VM would find it, following `__index` tables (and the table
    /// upvalues of a C `__index`), raw: no Lua code runs. Pushes nil when nothing is found.
    private func pushRawField(_ L: OpaquePointer, _ valueIndex: Int32, _ key: String, depth: Int) {
        let value = lua_absindex(L, valueIndex)
        if lua_type(L, value) == LUA_TTABLE {
            state.pushString(key, on: L)
            if lua_rawget(L, value) != LUA_TNIL { return }
            lua_settop(L, -2)
        }
        let base = lua_gettop(L)
        guard depth < Self.maxDepth, lua_getmetatable(L, value) != 0 else {
            lua_pushnil(L)
            return
        }
        lua_pushstring(L, "__index")
        lua_rawget(L, -2)  // [metatable, __index]
        let handler = lua_gettop(L)
        if lua_type(L, handler) == LUA_TTABLE {
            pushRawField(L, handler, key, depth: depth + 1)
        } else if lua_iscfunction(L, handler) != 0 {
            lua_pushnil(L)  // the result so far
            var upvalue: Int32 = 1
            while lua_type(L, -1) == LUA_TNIL, lua_getupvalue(L, handler, upvalue) != nil {
                if lua_type(L, -1) == LUA_TTABLE {
                    state.pushString(key, on: L)
                    lua_rawget(L, -2)
                } else {
                    lua_pushnil(L)
                }
                lua_rotate(L, -3, 1)  // [nil, upvalue, found] -> [found, nil, upvalue]
                lua_settop(L, -3)
                upvalue += 1
            }
        } else {
            lua_pushnil(L)
        }
        // leave only the result, where the metatable was
        lua_copy(L, -1, base + 1)
        lua_settop(L, base + 1)
    }

    /// Adds the identifier keys of the value at `index` (a table's own, then those reachable
    /// through `__index`) with the types of their values; a name already seen keeps its type.
    private func collectFields(_ L: OpaquePointer, _ index: Int32, into fields: inout [String: Int32], depth: Int) {
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        if lua_type(L, index) == LUA_TTABLE {
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                if lua_type(L, -2) == LUA_TSTRING {
                    var length = 0
                    let bytes = lua_tolstring(L, -2, &length)
                    let name = String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
                    if fields[name] == nil, Self.isIdentifier(name[...]) { fields[name] = lua_type(L, -1) }
                }
                lua_settop(L, -2)
            }
        }
        guard depth < Self.maxDepth, lua_getmetatable(L, index) != 0 else { return }
        lua_pushstring(L, "__index")
        lua_rawget(L, -2)
        let handler = lua_gettop(L)
        if lua_type(L, handler) == LUA_TTABLE {
            collectFields(L, handler, into: &fields, depth: depth + 1)
        } else if lua_iscfunction(L, handler) != 0 {
            var upvalue: Int32 = 1
            while lua_getupvalue(L, handler, upvalue) != nil {
                if lua_type(L, -1) == LUA_TTABLE {
                    collectFields(L, lua_gettop(L), into: &fields, depth: depth + 1)
                }
                lua_settop(L, -2)
                upvalue += 1
            }
        }
    }

    /// A name that can follow `.` or `:`: a Lua name that is not a keyword.
    static func isIdentifier(_ name: Substring) -> Bool {
        isName(name) && !keywords.contains(String(name))
    }

    /// Letters, digits and `_`, not starting with a digit (keywords included).
    static func isName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
