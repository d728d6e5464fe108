// rscript-bench: the bridge's hot paths beside the raw Lua C API, and process start-up beside
// lua5.4. See docs/benchmarks.md for what each row measures.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let options = BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
#if DEBUG
printError("rscript-bench: this is a debug build; its figures say nothing about release speed (build with -c release)")
#endif
let machine = MachineInfo.current()

var loopNs: Double?
var results: [OperationResult] = []
if !options.skipCalls {
    do {
        (loopNs, results) = try runOperations(options)
    } catch {
        printError("rscript-bench: \(error)")
        exit(1)
    }
}

var startup: StartupResult?
var startupError: String?
if !options.skipStartup {
    do {
        startup = try runStartup(options)
    } catch {
        startupError = "\(error)"
    }
}

if options.json {
    printJSON(machine: machine, options: options, loopNs: loopNs, results: results, startup: startup, startupError: startupError)
} else {
    printTable(machine: machine, options: options, loopNs: loopNs, results: results, startup: startup, startupError: startupError)
}
