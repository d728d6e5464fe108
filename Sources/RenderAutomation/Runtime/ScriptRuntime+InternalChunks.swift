import LuaBridge

/// The Lua code the runtime runs itself (the render driver, the pool's Lua face, the frame
/// renderer glue) lives in `scripts/lib/rscript/internal/`, beside the shipped Lua libraries,
/// where it is read, linted and typed like them, and is found the same way: in the library
/// folder that `require` searches.
extension ScriptRuntime {
    /// Compiles `rscript/internal/<name>.lua` of the library folder as the chunk `chunkName`
    /// (kept from when the code was a Swift string, so messages read as before). Throws a
    /// `.file` `LuaError` when the library folder or the file is missing.
    func loadInternalChunk(_ name: String, chunkName: String) throws -> LuaFunction {
        guard let library = options.libraryDirectory ?? Environment.libraryDirectory() else {
            throw LuaError(.file, "cannot find rscript's Lua library folder (scripts/lib) for rscript/internal/\(name).lua: set RSCRIPT_HOME")
        }
        return try state.loadFile(library + "/rscript/internal/\(name).lua", chunkName: chunkName)
    }
}
