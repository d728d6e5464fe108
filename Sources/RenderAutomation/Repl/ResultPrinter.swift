import LuaBridge

/// How the REPL shows what a chunk gave: its values as `print` would show them (tables through
/// `rscript.inspect`, to a depth, keys sorted, cycles marked), or its error as
/// `lua5.4` does (`stdin:1: message` and a traceback).
///
/// A task's results reach Swift as data (`LuaValue`), which has no room for functions, userdata
/// or a table's identity; so each chunk runs inside a small Lua wrapper that turns its results
/// into one tab-separated line with `tostring` (running `__tostring`, as `print` does) before
/// they leave Lua.
struct ResultPrinter {
    /// The chunk name of the wrapper; its frames are taken out of tracebacks.
    static let wrapperChunkName = "=rscript-repl"
    static let wrapperSource = """
        local tostring, select, concat, type = tostring, select, table.concat, type
        -- Tables print readably (nested, sorted, cycles marked), where lua5.4 prints an address.
        local found, inspect = pcall(require, "rscript.inspect")
        if not found then inspect = nil end
        local function show(...)
          local n = select("#", ...)
          if n == 0 then return 0 end
          local values = { ... }
          for i = 1, n do
            local v = values[i]
            values[i] = (inspect and type(v) == "table") and inspect(v) or tostring(v)
          end
          return n, concat(values, "\\t", 1, n)
        end
        return function(chunk)
          return show(chunk())
        end
        """

    /// The wrapper: called with a compiled chunk, it runs it and returns `count, line`.
    let wrapper: LuaFunction

    /// Builds the wrapper in `state`, capturing `tostring` and `table.concat` as they are now.
    init(state: LuaState) throws {
        let factory = try state.load(Self.wrapperSource, chunkName: Self.wrapperChunkName)
        guard let function = try factory.callReturningFunction() else {
            throw LuaError(.runtime, "the REPL's result wrapper is not a function")
        }
        wrapper = function
    }

    /// The line to print (without its newline) for a finished wrapper's results
    /// (`count, line`), or nil for none. Bytes as Lua has them, valid UTF-8 or not.
    static func line(for results: [LuaValue]) -> [UInt8]? {
        guard results.count == 2, case .int(let count) = results[0], count > 0 else { return nil }
        switch results[1] {
        case .string(let text): return Array(text.utf8)
        case .bytes(let bytes): return bytes
        default: return nil
        }
    }

    /// `message` and then the traceback, with the wrapper's own frames left out and the chunk's
    /// frame called `main chunk`, so it reads as in `lua5.4`.
    static func errorText(_ error: LuaError) -> String {
        guard let traceback = error.traceback, !traceback.isEmpty else { return error.message }
        return error.message + "\n" + cleanTraceback(traceback)
    }

    static func cleanTraceback(_ traceback: String) -> String {
        let wrapperSource = String(wrapperChunkName.dropFirst()) + ":"
        var lines = traceback.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.firstIndex(where: { $0.hasPrefix("\t" + wrapperSource) }) else { return traceback }
        if first > 0, lines[first - 1].hasSuffix(" in local 'chunk'") {
            lines[first - 1] = String(lines[first - 1].dropLast(" in local 'chunk'".count)) + " in main chunk"
        }
        lines.removeAll { $0.hasPrefix("\t" + wrapperSource) }
        return lines.joined(separator: "\n")
    }
}
