#if canImport(Glibc)
import Glibc
#endif

/// CPU and memory of a running process, from /proc (the numbers psutil gives).
public struct ProcessStats: Sendable, Equatable {
    /// User + system CPU seconds.
    public var cpuSeconds: Double
    /// Resident set size now, bytes.
    public var rss: Int
    /// Peak resident set size, bytes (VmHWM).
    public var peakRss: Int

    static let clockTicks = Double(sysconf(Int32(_SC_CLK_TCK)))
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Reads /proc/PID; nil when the process is gone.
    public static func read(pid: Int32) -> ProcessStats? {
        // fields[0] is field 3 (state): utime is field 14, stime 15, rss 24.
        guard let fields = ProcFile.statFields(pid), fields.count > 21,
              let utime = Double(fields[11]), let stime = Double(fields[12]), let rssPages = Int(fields[21])
        else { return nil }
        var peak = rssPages * pageSize
        if let status = ProcFile.read("/proc/\(pid)/status") {
            let text = String(decoding: status, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Int(line.dropFirst(6).trimmingCharacters(in: " \tkB")) {
                peak = max(peak, kb * 1024)
            }
        }
        return ProcessStats(cpuSeconds: (utime + stime) / clockTicks, rss: rssPages * pageSize, peakRss: peak)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = self[...]
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }
}
