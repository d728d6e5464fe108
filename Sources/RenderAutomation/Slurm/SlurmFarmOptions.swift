/// How `rscript render --frames ... --farm slurm` uses the cluster.
public struct SlurmFarmOptions: Sendable {
    /// `--workers K`: at most K array tasks of an array run at once (`--array=0-N%K`).
    public var throttle: Int?
    public var partition: String?
    /// `--slurm-opt ARG` (repeatable): passed to sbatch as they are.
    public var extraArguments: [String] = []
    /// Seconds between polls (one `squeue` for every array, then the status files).
    public var pollInterval = 1.0
    /// The rscript the nodes run (default: this one, which must be on shared storage).
    public var rscriptPath: String?

    public init() {
        if let poll = Environment.get("RSCRIPT_SLURM_POLL").flatMap(Double.init), poll > 0, poll <= 60 { pollInterval = poll }
        rscriptPath = Environment.get("RSCRIPT_SLURM_BIN")
    }

    /// The sbatch arguments every submission shares, before the extra ones (which come last,
    /// so that they win: `--slurm-opt=--job-name=NAME`).
    func sbatchArguments(_ own: [String]) -> [String] {
        var arguments = ["--no-requeue"]
        if let partition { arguments.append("--partition=\(partition)") }
        return arguments + own + extraArguments
    }

    /// At most this many tasks per array, below the cluster's MaxArraySize
    /// (`RSCRIPT_SLURM_MAX_ARRAY_SIZE`, for tests and benchmarks of the split).
    var maxArraySizeCap: Int? { Environment.get("RSCRIPT_SLURM_MAX_ARRAY_SIZE").flatMap { Int($0) }.map { max(1, $0) } }
}
