import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// Where plugin files are found, as Houdini finds them in HOUDINI_HUSDPLUGINS_PATH: the folder
/// named for the kind (`backgroundrenderers/`, `creators/`, `publish/`) under each root of the
/// search path. A file earlier in the path overrides a same-named file later.
///
/// The search path is `RSCRIPT_PLUGIN_PATH`, colon-separated, where an entry `&` stands for the
/// default roots: the user's config folder (`$XDG_CONFIG_HOME/rscript` or `~/.config/rscript`),
/// then `scripts/plugins` of the installation. As with HOUDINI_PATH, a path without `&` is the
/// whole search path (so a studio can leave the shipped examples out), and `/studio:&` puts a
/// folder before the defaults. Unset, or with no entry at all (empty, or only colons), it means
/// the defaults. Empty entries are skipped, as Houdini skips them.
///
/// Loading the files is `rscript.plugindiscovery`'s (Lua), for renderers, creators and publish
/// plugins alike: see `ScriptRuntime.discoverRenderers()`.
public enum PluginDiscovery {
    /// The roots `pluginPath` (the variable's value, nil when unset) names, `&` expanded to
    /// `defaults`.
    public static func roots(pluginPath: String?, defaults: [String]) -> [String] {
        let entries = (pluginPath ?? "").split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        if entries.isEmpty { return defaults }
        return entries.flatMap { $0 == "&" ? defaults : [$0] }
    }

    /// The roots `&` stands for: the user's config folder, then the installation's plugins.
    public static func defaultRoots() -> [String] {
        var roots: [String] = []
        if let config = Environment.get("XDG_CONFIG_HOME") {
            roots.append(config + "/rscript")
        } else if let home = Environment.get("HOME") {
            roots.append(home + "/.config/rscript")
        }
        if let lib = Environment.libraryDirectory() {
            // scripts/lib -> scripts/plugins
            roots.append(Environment.directory(of: lib) + "/plugins")
        }
        return roots
    }

    public static func searchFolders(kind: String = "backgroundrenderers") -> [String] {
        roots(pluginPath: Environment.get("RSCRIPT_PLUGIN_PATH"), defaults: defaultRoots()).map { $0 + "/" + kind }
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
    /// Loads every renderer plugin file once, through `rscript.plugindiscovery` as creators and
    /// publish plugins are loaded: each file runs in its own environment (reading globals
    /// through to `_G`) and must itself define `registerBackgroundRenderers(manager)`, which is
    /// then called. A file that fails is reported (`file:line: message`) in
    /// `renderers.loadErrors` and skipped.
    public func discoverRenderers() {
        guard !renderers.discovered else { return }
        renderers.discovered = true
        do {
            guard let require = state.globalFunction("require") else {
                throw LuaScriptError("require is not defined")
            }
            let discovery = try require.call("rscript.plugindiscovery", returning: LuaTable.self)
            guard let load = discovery.function("load") else {
                throw LuaScriptError("rscript.plugindiscovery has no load function")
            }
            let options = state.newTable()
            try options.set("kind", "backgroundrenderers")
            try options.set("register", "registerBackgroundRenderers")
            state.push(function: "manager") { [unowned self] call in
                self.pushRegistrationManager(file: try call.string(1), on: call.L)
                return 1
            }
            try options.set("manager", LuaFunction(state: state, popping: state.L))
            let result = try load.call(options, returning: LuaValue.self)
            guard case .object(let fields) = result else { return }
            if case .array(let errors) = fields["errors"] ?? .nil {
                for case .string(let message) in errors { renderers.noteLoadError(message) }
            }
        } catch let error as LuaError {
            renderers.noteLoadError("rscript.plugindiscovery: \(error.message)")
        } catch {
            renderers.noteLoadError("rscript.plugindiscovery: \(error)")
        }
    }
}
