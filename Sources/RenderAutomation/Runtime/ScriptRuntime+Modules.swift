import LuaBridge

/// A module implemented in Swift, loaded by `require(name)`.
public protocol RuntimeModule: Sendable {
    /// The name `require` takes, such as `rscript.json`.
    static var name: String { get }
    /// Pushes the module's value (a table) on the main stack.
    static func open(in runtime: ScriptRuntime)
}

extension ScriptRuntime {
    /// The Swift modules every runtime has.
    static let builtinModules: [any RuntimeModule.Type] = [
        CoreModule.self,
        JSONModule.self,
        TimeModule.self,
        LogModule.self,
        FSModule.self,
        TaskModule.self,
        ProcessModule.self,
        GalleryModule.self,
        JobManagerModule.self,
        PoolModule.self,
        WebServerModule.self,
    ]

    func registerModules() {
        for module in Self.builtinModules { preload(module) }
        JSONMarkers.install(in: state)
        // The global null sentinel, so that `task = null` reads as in the seed documents.
        try? state.setGlobal("null", .null)
    }

    /// Makes `require(M.name)` open `M` (through `package.preload`).
    public func preload(_ module: any RuntimeModule.Type) {
        // `package` is the standard library's, set up before any script runs: this cannot fail.
        try? state.preload(module.name) { [unowned self] in module.open(in: self) }
    }

    func configureSearchPath() {
        var patterns: [String] = []
        if let dir = options.scriptDirectory {
            patterns += [dir + "/?.lua", dir + "/?/init.lua"]
        }
        patterns += options.extraSearchPatterns.flatMap { entry -> [String] in
            // An entry without `?` is a folder, as users tend to write it.
            entry.contains("?") ? [entry] : [entry + "/?.lua", entry + "/?/init.lua"]
        }
        if let lib = options.libraryDirectory ?? Environment.libraryDirectory() {
            patterns += [lib + "/?.lua", lib + "/?/init.lua"]
        }
        guard let package = try? state.globals.get("package", as: LuaTable.self) else { return }
        let systemPath = (try? package.get("path", as: String.self)) ?? ""
        try? package.set("path", (patterns + [systemPath]).joined(separator: ";"))
    }
}
