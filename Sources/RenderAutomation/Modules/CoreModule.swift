import LuaBridge
import Foundation

/// `require("rscript")`: the runtime itself: `null`, `version`, `onStop(fn)`, and the small
/// services the Lua libraries build on: `uuid()`, `regexMatch(pattern, text)`,
/// `pluginFiles(kind)`, `pluginFolders(kind)`, `setExitStatus(n)`.
enum CoreModule: RuntimeModule {
    static let name = "rscript"

    static func open(in runtime: ScriptRuntime) {
        let state = runtime.state
        let regex = RegexMatch()
        state.pushModule("rscript", functions: [
            ("onStop", { [unowned runtime] call in
                runtime.stopHooks.append(try call.function(1))
                return 0
            }),
            ("uuid", { call in
                call.push(UUID().uuidString.lowercased())  // as Python's str(uuid.uuid4())
                return 1
            }),
            ("regexMatch", { call in
                call.push(try regex.matches(try call.string(1), try call.string(2)))
                return 1
            }),
            ("pluginFiles", { call in
                try pushStrings(PluginDiscovery.pluginFiles(kind: try pluginKind(call)), call)
            }),
            ("pluginFolders", { call in
                try pushStrings(PluginDiscovery.searchFolders(kind: try pluginKind(call)), call)
            }),
            ("setExitStatus", { [unowned runtime] call in
                let status = try call.integer(1)
                guard (0...125).contains(status) else { throw LuaArgumentError(position: 1, "exit status must be 0-125") }
                runtime.requestedExitStatus = Int32(status)
                return 0
            }),
            ("isNull", { call in
                call.push(call.luaType(1) == .userdata && (try? call.value(1)) == .null)
                return 1
            }),
        ])
        // Plain values: nothing here nests, so setting them cannot fail.
        try? state.setFields([("null", .null), ("version", .string(RenderAutomationVersion.string)),
                              ("executable", .string(Environment.executablePath ?? "rscript"))])
    }

    /// A plugin kind is one folder name, such as `creators` or `publish`.
    private static func pluginKind(_ call: LuaCall) throws -> String {
        let kind = try call.string(1)
        guard !kind.isEmpty, !kind.contains("/"), kind != ".", kind != ".." else {
            throw LuaArgumentError(position: 1, "plugin kind must be a folder name such as 'creators'")
        }
        return kind
    }

    private static func pushStrings(_ items: [String], _ call: LuaCall) throws -> Int32 {
        try call.push(LuaValue.array(items.map { .string($0) }))
        return 1
    }
}
