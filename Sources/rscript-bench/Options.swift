#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Command-line options of rscript-bench (parsed by hand: the bench depends on nothing but
/// LuaBridge and the C baseline, so it starts fast and measures only what it means to).
struct BenchOptions {
    var quick = false
    var json = false
    /// The rscript binary for the start-up comparison; default: next to this executable.
    var rscriptPath: String?
    /// The reference interpreter for the start-up comparison (looked up on PATH).
    var luaPath = "lua5.4"
    var startupRuns: Int?
    var skipStartup = false
    var skipCalls = false
    /// Measure only the operation with this key (for profiling one path under perf).
    var only: String?

    /// Work per side in one round, in ns: short rounds, many of them (see timePair).
    var roundNs: Double { quick ? 500_000 : 1_000_000 }
    /// Timed rounds per operation (after warm-up); the median is reported.
    var repetitions: Int { quick ? 21 : 201 }
    var runs: Int { startupRuns ?? (quick ? 10 : 30) }

    static let usage = """
        usage: rscript-bench [--quick] [--json] [--rscript PATH] [--lua PATH] [--startup-runs N]
                             [--no-startup] [--no-calls] [--only KEY]

        Measures the bridge's hot paths beside the same operations written against the raw Lua
        C API, then the start-up of `rscript run hello.lua` beside `lua5.4 hello.lua`.
          --quick           shorter and fewer rounds (a smoke run; figures are noisier)
          --json            print the results as one JSON object
          --rscript PATH    the rscript binary (default: next to rscript-bench)
          --lua PATH        the reference interpreter (default: lua5.4 on PATH)
          --startup-runs N  process launches per side (default 30, 10 with --quick)
          --no-startup      skip the start-up comparison
          --no-calls        skip the per-operation benchmarks
          --only KEY        measure one operation (its key as in --json), e.g. to profile it
        """

    static func parse(_ arguments: [String]) -> BenchOptions {
        var options = BenchOptions()
        var rest = arguments[...]
        func value(for flag: String) -> String {
            guard let v = rest.popFirst() else { fail("\(flag) needs a value") }
            return v
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick": options.quick = true
            case "--json": options.json = true
            case "--rscript": options.rscriptPath = value(for: argument)
            case "--lua": options.luaPath = value(for: argument)
            case "--startup-runs":
                guard let n = Int(value(for: argument)), n > 0 else { fail("--startup-runs needs a positive number") }
                options.startupRuns = n
            case "--no-startup": options.skipStartup = true
            case "--no-calls": options.skipCalls = true
            case "--only": options.only = value(for: argument)
            case "-h", "--help":
                print(usage)
                exit(0)
            default: fail("unknown option \(argument)")
            }
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    printError("rscript-bench: \(message)\n\(BenchOptions.usage)")
    exit(2)
}

/// Writes a line to standard error (through the descriptor: the `stderr` global is not
/// concurrency-safe in Swift 6).
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
