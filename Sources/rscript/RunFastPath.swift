import LuaBridge
import RenderAutomation

/// `rscript run [--safe] [--memory-limit MB] FILE ARGS...` without ArgumentParser (start-up; see
/// `RScript.main`). The runtime flags before the file are read here, with ArgumentParser's
/// meaning and messages: its own parse of `run --safe FILE` failed ("Unknown option '--safe'"),
/// the root command and `run` both declaring the flag. Anything else before the file (`--help`,
/// `--`, a mistake) is left to ArgumentParser.
enum RunFastPath {
    enum Outcome {
        case run(options: RuntimeOptions, file: String, arguments: [String])
        /// A bad flag value: the message for standard error (exit 64, as ArgumentParser).
        case usage(String)
        case notMine
    }

    static let usageLine = "Usage: rscript run <FILE> [<arguments> ...] [--safe] [--memory-limit <MB>]\n  See 'rscript run --help' for more information.\n"

    /// `arguments` are those after `run`.
    static func parse(_ arguments: ArraySlice<String>) -> Outcome {
        var options = RuntimeOptions.fromEnvironment()
        var rest = arguments
        while let first = rest.first, first.hasPrefix("-"), first != "-" {
            if first == "--safe" {
                options.libraries = .safe
                rest = rest.dropFirst()
                continue
            }
            let value: String
            if first == "--memory-limit" {
                guard rest.count >= 2 else { return .usage("Error: Missing value for '--memory-limit <MB>'\n" + usageLine) }
                value = rest[rest.startIndex + 1]
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--memory-limit=") {
                value = String(first.dropFirst("--memory-limit=".count))
                rest = rest.dropFirst()
            } else {
                return .notMine
            }
            guard let megabytes = Int(value) else {
                return .usage("Error: The value '\(value)' is invalid for '--memory-limit <MB>'\n" + usageLine)
            }
            guard megabytes > 0 else {
                return .usage("Error: --memory-limit must be a positive number of megabytes, got \(megabytes)\n" + usageLine)
            }
            options.limits.memoryBytes = megabytes * 1_048_576
        }
        guard let file = rest.first, file == "-" || !file.hasPrefix("-") else { return .notMine }
        return .run(options: options, file: file, arguments: Array(rest.dropFirst()))
    }
}
