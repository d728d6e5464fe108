#if canImport(Glibc)
import Glibc
#endif

/// What runs one chunk attempt: a local renderer process (`ManagedProcess`), or a Slurm array
/// task (`SlurmChunkTask`). The frame render reads its output lines for progress, looks at its
/// exit, and stops it; everything else (images, retries, records) is the same for both.
protocol ChunkExecution: AnyObject {
    /// The renderer's argv (its first word names the renderer in messages).
    var command: [String] { get }
    /// The renderer's pid (on the node, for a Slurm task), once known.
    var processID: Int32? { get }
    /// How it ended, once it has (nil also for a Slurm task that ended without an exit file).
    var exitStatus: ExitStatus? { get }
    /// CLOCK_MONOTONIC of the last output seen.
    var lastOutputAt: Double { get }
    /// Why it ended when the exit status does not say (a Slurm task cancelled, or lost with
    /// its node), for the failure reason.
    var endNote: String? { get }
    /// The output lines not taken yet.
    func takeLines() -> [String]
    /// The last `n` lines of output.
    func tail(_ n: Int) -> [String]
}

extension ManagedProcess: ChunkExecution {
    var processID: Int32? { pid }
    var endNote: String? { nil }
}
