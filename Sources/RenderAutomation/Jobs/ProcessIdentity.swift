#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process named so that a reused pid is not mistaken for it: its pid and its start time
/// (field 22 of `/proc/PID/stat`, clock ticks since boot). The job queue records the runtime
/// that owns each job and the worker that runs it this way, so that a later runtime can tell
/// whether they are still alive, and kill an orphaned worker without hitting a stranger.
public struct ProcessIdentity: Sendable, Hashable, CustomStringConvertible {
    public let pid: Int32
    /// nil where /proc cannot tell (then only the pid is checked).
    public let startTime: Int64?

    public init(pid: Int32, startTime: Int64?) {
        self.pid = pid
        self.startTime = startTime
    }

    /// This process.
    public static var current: ProcessIdentity { of(getpid()) ?? ProcessIdentity(pid: getpid(), startTime: nil) }

    /// The live process `pid`, or nil when there is none (a zombie counts as gone).
    public static func of(_ pid: Int32) -> ProcessIdentity? {
        guard pid > 0 else { return nil }
        if let stat = ProcStat.read(pid) {
            return stat.isZombie ? nil : ProcessIdentity(pid: pid, startTime: stat.startTime)
        }
        // No /proc (or not readable): kill(pid, 0), EPERM meaning it exists.
        return kill(pid, 0) == 0 || errno == EPERM ? ProcessIdentity(pid: pid, startTime: nil) : nil
    }

    /// Whether this very process still runs (same pid and, when known, same start time).
    public var isAlive: Bool {
        guard let now = Self.of(pid) else { return false }
        guard let startTime, let nowStart = now.startTime else { return true }
        return startTime == nowStart
    }

    public var description: String { "pid \(pid)" }

    /// Kills (SIGKILL) the process, its process group, and every descendant with its group,
    /// if it is still this process. The descendants are found first (from /proc), since once
    /// the process dies they are reparented and can no longer be told apart. Never signals
    /// this process or its own group. Returns whether the process was alive.
    @discardableResult
    public func killTree() -> Bool {
        guard isAlive else { return false }
        ProcessTree.kill(root: pid)
        return true
    }
}

/// The fields of `/proc/PID/stat` the job queue needs.
struct ProcStat {
    var state: Character
    var parent: Int32
    var group: Int32
    var startTime: Int64

    var isZombie: Bool { state == "Z" || state == "X" }

    static func read(_ pid: Int32) -> ProcStat? {
        guard let fields = ProcFile.statFields(pid), fields.count > 19, let state = fields[0].first,
              let parent = Int32(fields[1]), let group = Int32(fields[2]), let start = Int64(fields[19]) else { return nil }
        return ProcStat(state: state, parent: parent, group: group, startTime: start)
    }
}

/// Process trees, from /proc.
enum ProcessTree {
    /// The live descendants of `root` (children, grandchildren, ...), with their groups.
    static func descendants(of root: Int32) -> [(pid: Int32, group: Int32)] {
        var children: [Int32: [(Int32, Int32)]] = [:]
        guard let dir = opendir("/proc") else { return [] }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard let pid = Int32(name), let stat = ProcStat.read(pid), !stat.isZombie else { continue }
            children[stat.parent, default: []].append((pid, stat.group))
        }
        closedir(dir)
        var result: [(pid: Int32, group: Int32)] = []
        var frontier = [root]
        while let next = frontier.popLast() {
            for (pid, group) in children[next] ?? [] where pid != root {
                result.append((pid, group))
                frontier.append(pid)
            }
        }
        return result
    }

    /// SIGKILL to `root`'s group, `root`, and each descendant and its group.
    static func kill(root: Int32) {
        let me = getpid(), myGroup = getpgrp()
        let descendants = descendants(of: root)
        var groups: Set<Int32> = [root]
        for (_, group) in descendants { groups.insert(group) }
        for group in groups where group > 1 && group != myGroup { Glibc.kill(-group, SIGKILL) }
        for pid in [root] + descendants.map(\.pid) where pid > 1 && pid != me { Glibc.kill(pid, SIGKILL) }
    }
}
