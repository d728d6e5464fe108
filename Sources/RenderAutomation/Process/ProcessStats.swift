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
        guard let stat = readSmallFile("/proc/\(pid)/stat") else { return nil }
        // Fields after the command name, which is in parentheses and may hold spaces.
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = stat[(close + 2)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state): utime is field 14, stime 15, rss 24.
        guard fields.count > 21,
              let utime = Double(String(decoding: fields[11], as: UTF8.self)),
              let stime = Double(String(decoding: fields[12], as: UTF8.self)),
              let rssPages = Int(String(decoding: fields[21], as: UTF8.self))
        else { return nil }
        var peak = rssPages * pageSize
        if let status = readSmallFile("/proc/\(pid)/status") {
            let text = String(decoding: status, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Int(line.dropFirst(6).trimmingCharacters(in: " \tkB")) {
                peak = max(peak, kb * 1024)
            }
        }
        return ProcessStats(cpuSeconds: (utime + stime) / clockTicks, rss: rssPages * pageSize, peakRss: peak)
    }

    static func readSmallFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return Array(buffer[0..<n])
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
