import LuaBridge

/// How a runtime is set up: which libraries, which limits, where `require` looks.
public struct RuntimeOptions: Sendable {
    public var libraries: LuaLibraries = .full
    public var limits: LuaLimits = .none
    /// Folder of the script being run: searched first by `require`.
    public var scriptDirectory: String?
    /// `?.lua` patterns from `RSCRIPT_PATH` (separated by `;`), searched next.
    public var extraSearchPatterns: [String] = []
    /// The installation's `scripts/lib`, searched last (found from the executable if nil).
    public var libraryDirectory: String?
    /// Installs a SIGINT handler that stops the runtime cleanly (the CLI wants it; tests not).
    public var handlesInterrupt = false

    public init() {}

    /// Reads `RSCRIPT_PATH` and `RSCRIPT_HOME` from the environment.
    public static func fromEnvironment() -> RuntimeOptions {
        var options = RuntimeOptions()
        if let path = Environment.get("RSCRIPT_PATH") {
            options.extraSearchPatterns = path.split(separator: ";", omittingEmptySubsequences: true).map(String.init)
        }
        return options
    }
}
