import CLuaShim

/// Versions, for `rscript version`.
public struct RuntimeInfo: Sendable {
    public var version: String
    public var luaVersion: String

    public static var current: RuntimeInfo {
        RuntimeInfo(version: RenderAutomationVersion.string, luaVersion: String(cString: rscript_lua_release()))
    }
}
