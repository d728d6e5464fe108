import Foundation

/// Runs one of the Python client scripts in `Tests/rscriptEndToEndTests/Clients` (the real
/// `requests` and `websocket-client` from PyPI, as a studio's own clients would).
public enum PythonClient {
    public static let folder = RScriptBinary.repositoryRoot + "/Tests/rscriptEndToEndTests/Clients"

    /// `python3 Clients/SCRIPT ARGS...`; its stdout read as one JSON object. A missing package
    /// fails with the command that installs it.
    public static func run(_ script: String, _ arguments: [String], timeout: Double = 120) throws -> [String: Any] {
        let result = try RScriptBinary.run(["python3", folder + "/" + script] + arguments,
                                           timeout: timeout, executable: "/usr/bin/env")
        if result.stderr.contains("ModuleNotFoundError") {
            throw ServerError(message: "\(script) needs Python packages: python3 -m pip install requests websocket-client (tools/test.sh runs it)\n\(result.stderr)")
        }
        guard result.status == 0,
              let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw ServerError(message: "\(script) failed (exit \(result.status)):\n\(result.stdout)\n\(result.stderr)")
        }
        return object
    }
}
