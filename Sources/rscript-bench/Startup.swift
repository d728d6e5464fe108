import CBenchBaseline

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-process start-up: `rscript run hello.lua` beside `lua5.4 hello.lua`.
struct StartupResult {
    var runs: Int
    var rscriptPath: String
    var luaPath: String
    /// Median and fastest wall-clock milliseconds, spawn to exit.
    var rscriptMedianMs: Double
    var rscriptMinMs: Double
    var luaMedianMs: Double
    var luaMinMs: Double
    /// rscript's median may take at most this many times lua5.4's, measured in the same run
    /// (issue 14; the target was 25 ms).
    static let targetRatio = 2.0
    var ratio: Double { rscriptMedianMs / luaMedianMs }
    var meetsTarget: Bool { ratio <= Self.targetRatio }
}

enum StartupError: Error, CustomStringConvertible {
    case notFound(String)
    case failed(String)
    var description: String {
        switch self {
        case .notFound(let m), .failed(let m): return m
        }
    }
}

/// The rscript binary: `--rscript`, else the one in the same build folder as this executable.
func locateRScript(_ options: BenchOptions) throws -> String {
    if let path = options.rscriptPath {
        guard access(path, X_OK) == 0 else { throw StartupError.notFound("--rscript \(path): not an executable") }
        return path
    }
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    let me = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    let folder = me.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    let candidate = (folder.isEmpty ? "." : folder) + "/rscript"
    guard access(candidate, X_OK) == 0 else {
        throw StartupError.notFound("no rscript next to rscript-bench (\(candidate)); build it with "
            + "`swift build -c release --product rscript` or pass --rscript PATH")
    }
    return candidate
}

/// Spawns `argv` with stdout to `output`, waits, and returns (exit status, wall ns).
private func spawn(_ argv: [String], output: String) throws -> (status: Int32, ns: UInt64) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let cArgs = argv.map { strdup($0) }
    defer { cArgs.forEach { free($0) } }
    var pid: pid_t = 0
    let start = cbench_now_ns()
    let rc = (cArgs + [nil]).withUnsafeBufferPointer { args in
        posix_spawnp(&pid, argv[0], &actions, nil, args.baseAddress!, environ)
    }
    guard rc == 0 else { throw StartupError.failed("cannot run \(argv[0]): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let end = cbench_now_ns()
    return (status, end - start)
}

private func readFile(_ path: String) -> String {
    guard let f = fopen(path, "r") else { return "" }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var c = fgetc(f)
    while c != EOF {
        bytes.append(UInt8(c))
        c = fgetc(f)
    }
    return String(decoding: bytes, as: UTF8.self)
}

func runStartup(_ options: BenchOptions) throws -> StartupResult {
    let rscript = try locateRScript(options)
    var template = Array("/tmp/rscript-bench-XXXXXX".utf8CString)
    guard let dir = mkdtemp(&template) else { throw StartupError.failed("mkdtemp failed") }
    let folder = String(cString: dir)
    let hello = folder + "/hello.lua"
    let out = folder + "/out.txt"
    defer {
        unlink(hello)
        unlink(out)
        rmdir(folder)
    }
    guard let f = fopen(hello, "w") else { throw StartupError.failed("cannot write \(hello)") }
    fputs("print(\"hello\")\n", f)
    fclose(f)

    let rscriptArgv = [rscript, "run", hello]
    let luaArgv = [options.luaPath, hello]
    // Each side once with its output checked (this also warms the page cache).
    for argv in [rscriptArgv, luaArgv] {
        let r = try spawn(argv, output: out)
        let text = readFile(out)
        guard r.status == 0, text == "hello\n" else {
            throw StartupError.failed("`\(argv.joined(separator: " "))` exited with status \(r.status) and printed \(text.debugDescription)")
        }
    }
    var rTimes: [Double] = []
    var lTimes: [Double] = []
    for _ in 0..<options.runs {
        rTimes.append(Double(try spawn(rscriptArgv, output: "/dev/null").ns) / 1e6)
        lTimes.append(Double(try spawn(luaArgv, output: "/dev/null").ns) / 1e6)
    }
    return StartupResult(
        runs: options.runs, rscriptPath: rscript, luaPath: options.luaPath,
        rscriptMedianMs: median(rTimes), rscriptMinMs: rTimes.min()!,
        luaMedianMs: median(lTimes), luaMinMs: lTimes.min()!)
}
