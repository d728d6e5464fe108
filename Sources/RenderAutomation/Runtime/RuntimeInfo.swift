import LuaBridge

/// Versions, for `rscript version`.
public struct RuntimeInfo: Sendable {
    public var version: String
    public var luaVersion: String

    public static var current: RuntimeInfo {
        RuntimeInfo(version: RenderAutomationVersion.string, luaVersion: LuaState.luaRelease)
    }
}
