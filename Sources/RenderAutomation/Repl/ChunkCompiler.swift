import LuaBridge

/// Turns the lines typed at the prompt into a chunk, as `lua5.4`'s REPL does:
///
/// - a first line that is an expression is compiled as `return <line>;`, so its values print;
///   a leading `=` means `return` too;
/// - otherwise the lines so far are compiled as statements, and a syntax error that ends at
///   `<eof>` means "not finished yet": the REPL reads another line (`>> `) and tries again.
///
/// Compiling never runs Lua code.
struct ChunkCompiler {
    let state: LuaState
    /// The chunk name: errors read `stdin:1: ...`.
    var chunkName = "=stdin"

    enum Outcome {
        /// Ready to run.
        case complete(LuaFunction)
        /// The chunk goes on: read another line and call `compile` again with all lines.
        case incomplete(LuaError)
        /// A syntax error that more input cannot fix.
        case failed(LuaError)
    }

    /// Compiles `lines` (every line of the chunk so far, the first one as typed).
    func compile(_ lines: [String]) -> Outcome {
        var lines = lines
        if let first = lines.first, first.hasPrefix("=") {
            lines[0] = "return " + first.dropFirst()
        }
        if lines.count == 1, let function = try? state.load("return " + lines[0] + ";", chunkName: chunkName) {
            return .complete(function)
        }
        do {
            return .complete(try state.load(lines.joined(separator: "\n"), chunkName: chunkName))
        } catch let error as LuaError {
            return Self.isIncomplete(error) ? .incomplete(error) : .failed(error)
        } catch {
            return .failed(LuaError(.syntax, "\(error)"))
        }
    }

    /// Whether a compile error only says that the input stopped too early, as `lua.c` decides
    /// it: a syntax error whose message ends with `<eof>`.
    static func isIncomplete(_ error: LuaError) -> Bool {
        error.kind == .syntax && error.message.hasSuffix("<eof>")
    }
}
