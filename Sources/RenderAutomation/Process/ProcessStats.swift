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

extension ProcessStats {
    /// VmHWM of /proc/PID/status in bytes: the kernel's own high-water mark of the resident set,
    /// which is all a peak sample needs (it is never below the RSS of /proc/PID/stat). Nil when
    /// the process is gone. Why apart from `read`: the render poll samples the peak of every
    /// running process, and `read` opens two files and splits them into Strings; this one
    /// opens one and scans its bytes (for 500 renders, `read` was 40% of the runtime's CPU).
    static func readPeakRss(pid: Int32) -> Int? {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer -> Int? in
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            guard n > 0 else { return nil }
            return vmHWM(in: UnsafeBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The `VmHWM:   1234 kB` line of a status file, in bytes.
    static func vmHWM(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let tag = Array("VmHWM:".utf8)
        var i = 0
        while i + tag.count <= bytes.count {
            // at the start of a line
            if bytes[i] == tag[0] && zip(tag.indices, tag).allSatisfy({ bytes[i + $0] == $1 }) {
                var j = i + tag.count
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
                var kb = 0
                var digits = 0
                while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 {
                    kb = kb * 10 + Int(bytes[j] - 0x30)
                    j += 1
                    digits += 1
                }
                return digits > 0 ? kb * 1024 : nil
            }
            while i < bytes.count, bytes[i] != 0x0A { i += 1 }
            i += 1
        }
        return nil
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
