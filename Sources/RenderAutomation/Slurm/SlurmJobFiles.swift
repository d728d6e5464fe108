/// The files of one job attempt on Slurm, in its folder on shared storage: `job.json` (what to
/// run, written by the submitting rscript), `status.json` (host and pid, when the node starts
/// it), `progress.json` (the last `update_job_progress`), `result.json` (`{"ok": value}` or
/// `{"error": message, "traceback": ...}`), written atomically by `rscript slurm-job` on the
/// node; `slurm.out` is Slurm's own output of the job.
public struct SlurmJobFiles: Sendable {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    public var spec: String { folder + "/job.json" }
    public var status: String { folder + "/status.json" }
    public var progress: String { folder + "/progress.json" }
    public var result: String { folder + "/result.json" }
    public var slurmOutput: String { folder + "/slurm.out" }
    public var script: String { folder + "/run.sh" }

    func read(_ path: String) -> JSONValue? { SlurmTaskFiles.readJSON(path) }
    func write(_ path: String, _ value: JSONValue) throws { try SlurmTaskFiles.writeJSON(path, value) }
}
