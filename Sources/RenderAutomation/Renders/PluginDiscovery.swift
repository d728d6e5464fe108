import CLuaShim
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Finds background-renderer plugin files, as Houdini finds them in
/// HOUDINI_HUSDPLUGINS_PATH/backgroundrenderers: the folders `backgroundrenderers/` under each
/// entry of `RSCRIPT_PLUGIN_PATH` (colon-separated), then the user's config folder
/// (`$XDG_CONFIG_HOME/rscript` or `~/.config/rscript`), then `scripts/plugins` of the
/// installation. A file earlier in the path overrides a same-named file later.
public enum PluginDiscovery {
    public static func searchFolders(kind: String = "backgroundrenderers") -> [String] {
        var roots: [String] = []
        if let path = Environment.get("RSCRIPT_PLUGIN_PATH") {
            roots += path.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        }
        if let config = Environment.get("XDG_CONFIG_HOME") {
            roots.append(config + "/rscript")
        } else if let home = Environment.get("HOME") {
            roots.append(home + "/.config/rscript")
        }
        if let lib = Environment.libraryDirectory() {
            // scripts/lib -> scripts/plugins
            roots.append(Environment.directory(of: lib) + "/plugins")
        }
        return roots.map { $0 + "/" + kind }
    }

    /// The plugin files to load, in path order, one per file name.
    public static func pluginFiles(kind: String = "backgroundrenderers") -> [String] {
        var seen: Set<String> = []
        var files: [String] = []
        for folder in searchFolders(kind: kind) where Environment.isDirectory(folder) {
            for name in listLuaFiles(folder) where seen.insert(name).inserted {
                files.append(folder + "/" + name)
            }
        }
        return files
    }

    static func listLuaFiles(_ folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".lua") && !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }
}

extension ScriptRuntime {
    /// Loads every plugin file once: each runs in its own environment (reading globals through
    /// to `_G`), then its `registerBackgroundRenderers(manager)` is called. A file that fails is
    /// reported (`file:line: message`) in `renderers.loadErrors` and skipped.
    public func discoverRenderers() {
        guard !renderers.discovered else { return }
        renderers.discovered = true
        for file in PluginDiscovery.pluginFiles() {
            do {
                let chunk = try state.loadFile(file)
                // env = setmetatable({}, {__index = _G}); chunk's _ENV = env
                let L = state.L
                lua_createtable(L, 0, 4)
                lua_createtable(L, 0, 1)
                lua_pushglobaltable(L)
                lua_setfield(L, -2, "__index")
                lua_setmetatable(L, -2)
                let env = LuaTable(state: state, popping: L)
                chunk.push()
                env.push()
                lua_setupvalue(L, -2, 1)
                lua_settop(L, -2)
                try chunk.callDiscarding()
                guard let register = env.function("registerBackgroundRenderers") else {
                    renderers.noteLoadError("\(file): defines no registerBackgroundRenderers(manager)")
                    continue
                }
                pushRegistrationManager(file: file)
                let manager = LuaTable(state: state, popping: L)
                try register.callValuesRef([manager])
            } catch let error as LuaError {
                renderers.noteLoadError(error.message.hasPrefix(file) || error.kind == .file ? error.message : "\(file): \(error.message)")
            } catch {
                renderers.noteLoadError("\(file): \(error)")
            }
        }
    }
}
