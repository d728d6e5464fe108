import CLuaShim
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
    ]

    func registerModules() {
        for module in Self.builtinModules { preload(module) }
        JSONMarkers.install(in: state)
        // The global null sentinel, so that `task = null` reads as in the seed documents.
        state.pushNull()
        lua_setglobal(state.L, "null")
    }

    /// Makes `require(M.name)` open `M` (through `package.preload`).
    public func preload(_ module: any RuntimeModule.Type) {
        let L = state.L
        lua_getglobal(L, "package")
        lua_getfield(L, -1, "preload")
        state.push(function: "require") { [unowned self] call in
            module.open(in: self)
            if call.L != self.state.L { lua_xmove(self.state.L, call.L, 1) }
            return 1
        }
        lua_setfield(L, -2, module.name)
        lua_settop(L, -3)
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
        let L = state.L
        lua_getglobal(L, "package")
        lua_getfield(L, -1, "path")
        let systemPath = state.stringValueAtTop()
        lua_settop(L, -2)
        state.pushString((patterns + [systemPath]).joined(separator: ";"))
        lua_setfield(L, -2, "path")
        lua_settop(L, -2)
    }
}

extension LuaState {
    func stringValueAtTop() -> String {
        guard let value = try? value(at: -1), case .string(let s) = value else { return "" }
        return s
    }
}
