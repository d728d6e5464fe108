#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `value` with `digits` decimals (no Foundation in this tool).
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int64(scaled / scale)
    let fraction = Int64(scaled - Double(whole) * scale)
    var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let f = String(fraction)
        text += "." + String(repeating: "0", count: max(0, digits - f.count)) + f
    }
    return text
}

func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return right ? fill + s : s + fill
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// What the figures were measured on.
struct MachineInfo {
    var cpu: String
    var cores: Int
    var date: String

    static func current() -> MachineInfo {
        var cpu = "unknown CPU"
        if let f = fopen("/proc/cpuinfo", "r") {
            defer { fclose(f) }
            var line = [CChar](repeating: 0, count: 512)
            while fgets(&line, Int32(line.count), f) != nil {
                let text = cString(line)
                if text.hasPrefix("model name"), let colon = text.firstIndex(of: ":") {
                    cpu = String(text[text.index(after: colon)...]).trimmingSpaces()
                    break
                }
            }
        }
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M UTC", &parts)
        return MachineInfo(cpu: cpu, cores: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), date: cString(buffer))
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" { s.removeLast() }
        return String(s)
    }
}

func printTable(machine: MachineInfo, options: BenchOptions, loopNs: Double?, results: [OperationResult], startup: StartupResult?, startupError: String?) {
    print("rscript-bench — \(machine.date), \(machine.cpu), \(machine.cores) cores\(options.quick ? " (quick run)" : "")")
    if let loopNs {
        print("\(options.repetitions) rounds of ~\(fixed(options.roundNs / 1e6, 1)) ms per side, median; "
            + "Lua-loop rows have the empty loop (median \(fixed(loopNs, 2)) ns/iteration) subtracted on both sides.")
        print("")
        print(pad("operation", 44) + pad("rscript ns", 12, right: true) + pad("C ns", 10, right: true)
            + pad("ratio", 8, right: true) + "  <= \(fixed(ratioTarget, 2))")
        for r in results {
            print(pad(r.title, 44) + pad(fixed(r.rscript, 1), 12, right: true) + pad(fixed(r.c, 1), 10, right: true)
                + pad(fixed(r.ratio, 2), 8, right: true) + "  " + (r.meetsTarget ? "yes" : "NO"))
        }
    }
    if let startup {
        print("")
        print("start-up, \(startup.runs) runs each, wall-clock ms from spawn to exit:")
        print(pad("", 28) + pad("median", 10, right: true) + pad("min", 10, right: true))
        print(pad("rscript run hello.lua", 28) + pad(fixed(startup.rscriptMedianMs, 2), 10, right: true)
            + pad(fixed(startup.rscriptMinMs, 2), 10, right: true)
            + "   ratio \(fixed(startup.ratio, 2))  <= \(fixed(StartupResult.targetRatio, 1)): " + (startup.meetsTarget ? "yes" : "NO"))
        print(pad("\(startup.luaPath) hello.lua", 28) + pad(fixed(startup.luaMedianMs, 2), 10, right: true)
            + pad(fixed(startup.luaMinMs, 2), 10, right: true) + "   (the limit)")
    } else if let startupError {
        print("")
        print("start-up: skipped (\(startupError))")
    }
}

func printJSON(machine: MachineInfo, options: BenchOptions, loopNs: Double?, results: [OperationResult], startup: StartupResult?, startupError: String?) {
    var fields: [String] = [
        "\"date\": \(jsonString(machine.date))",
        "\"cpu\": \(jsonString(machine.cpu))",
        "\"cores\": \(machine.cores)",
        "\"quick\": \(options.quick)",
        "\"round_ms\": \(fixed(options.roundNs / 1e6, 2))",
        "\"repetitions\": \(options.repetitions)",
        "\"ratio_target\": \(ratioTarget)",
    ]
    if let loopNs {
        fields.append("\"empty_lua_loop_ns\": \(fixed(loopNs, 3))")
        let rows = results.map { r in
            "{\"key\": \(jsonString(r.key)), \"title\": \(jsonString(r.title)), \"rscript_ns\": \(fixed(r.rscript, 3)), "
                + "\"c_ns\": \(fixed(r.c, 3)), \"ratio\": \(fixed(r.ratio, 3)), \"loop_subtracted\": \(r.loopSubtracted), "
                + "\"meets_target\": \(r.meetsTarget)}"
        }
        fields.append("\"operations\": [\n    " + rows.joined(separator: ",\n    ") + "\n  ]")
    }
    if let s = startup {
        fields.append("\"startup\": {\"runs\": \(s.runs), \"rscript\": \(jsonString(s.rscriptPath)), \"lua\": \(jsonString(s.luaPath)), "
            + "\"rscript_median_ms\": \(fixed(s.rscriptMedianMs, 3)), \"rscript_min_ms\": \(fixed(s.rscriptMinMs, 3)), "
            + "\"lua_median_ms\": \(fixed(s.luaMedianMs, 3)), \"lua_min_ms\": \(fixed(s.luaMinMs, 3)), "
            + "\"ratio\": \(fixed(s.ratio, 3)), \"target_ratio\": \(StartupResult.targetRatio), \"meets_target\": \(s.meetsTarget)}")
    } else if let startupError {
        fields.append("\"startup\": {\"skipped\": \(jsonString(startupError))}")
    }
    print("{\n  " + fields.joined(separator: ",\n  ") + "\n}")
}

/// The NUL-terminated text in `buffer`.
func cString(_ buffer: [CChar]) -> String {
    let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
    return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
