/// The Slurm client commands rscript uses, each one process run to its end (`SlurmCommand`):
/// `scontrol show config`, `sbatch --parsable` (and `--test-only`), one batched `squeue` for
/// many jobs, `scancel`. Blocking; each answers in milliseconds on a healthy cluster.
public struct SlurmClient: Sendable {
    /// One array task (or plain job) as `squeue -r -t all` reports it.
    public struct Task: Sendable, Equatable {
        /// The array's job id (the job's own id for a job that is not an array).
        public var arrayJob: Int
        /// The task's index in its array (nil for a plain job).
        public var index: Int?
        /// RUNNING, PENDING, COMPLETED, FAILED, CANCELLED, NODE_FAIL, TIMEOUT, ...
        public var state: String
        public var nodes: String
        public var reason: String

        /// The job is over (Slurm will start nothing more for it).
        public var isEnded: Bool {
            !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING",
              "STAGE_OUT", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "STOPPED"].contains(state)
        }
    }

    public var timeout: Double

    public init(timeout: Double = 30) { self.timeout = timeout }

    /// Runs a client command; a missing program or no cluster is a `SlurmError` that names the
    /// command that starts one.
    func run(_ argv: [String]) throws -> SlurmCommand.Result {
        do {
            return try SlurmCommand.run(argv, timeout: timeout)
        } catch let failure as SlurmCommand.Failure {
            if case .notFound = failure {
                throw SlurmError("\(argv[0]) not found in PATH: Slurm's client commands are not installed (apt-get install slurm-client), or no cluster: \(SlurmError.startHint)")
            }
            throw SlurmError.noCluster("\(failure)")
        }
    }

    /// `scontrol show config` as `KEY = VALUE` pairs. Throws `SlurmError` when no controller
    /// answers.
    public func config() throws -> [String: String] {
        let result = try run(["scontrol", "show", "config"])
        guard result.succeeded else { throw SlurmError.noCluster(Self.firstLine(result.message)) }
        var values: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingSpaces
            let value = line[line.index(after: equals)...].trimmingSpaces
            if !key.isEmpty, !key.contains(" ") { values[key] = value }
        }
        return values
    }

    /// The cluster's MaxArraySize (the largest array index is one less).
    public func maxArraySize() throws -> Int {
        let values = try config()
        return values["MaxArraySize"].flatMap { Int($0) } ?? 1001
    }

    /// `sbatch --parsable ARGS SCRIPT`: the new job's id. Slurm's message when it refuses.
    public func submit(_ arguments: [String], script: String) throws -> Int {
        let result = try run(["sbatch", "--parsable"] + arguments + [script])
        guard result.succeeded else { throw SlurmError("sbatch: " + Self.cleaned(result.message)) }
        let line = result.output.split(separator: "\n").last.map(String.init) ?? ""
        guard let id = Int(line.split(separator: ";").first ?? "") else {
            throw SlurmError("sbatch printed no job id: \(result.message)")
        }
        return id
    }

    /// `sbatch --test-only ARGS SCRIPT`: checks a submission (partition, options) without
    /// submitting anything; throws Slurm's message when it would be refused.
    public func check(_ arguments: [String], script: String) throws {
        let result = try run(["sbatch", "--test-only"] + arguments + [script])
        guard result.succeeded else { throw SlurmError("sbatch: " + Self.cleaned(result.message)) }
    }

    /// Every task of `jobs`, pending, running and finished ones (finished ones stay visible for
    /// the cluster's MinJobAge), in one `squeue` call. Jobs Slurm no longer knows are absent.
    public func tasks(of jobs: [Int]) throws -> [Task] {
        guard !jobs.isEmpty else { return [] }
        let result = try run(["squeue", "-h", "-r", "-t", "all", "-j", jobs.map(String.init).joined(separator: ","),
                              "-o", "%F|%K|%T|%N|%r"])
        if !result.succeeded {
            // All of them purged is "Invalid job id specified"; anything else is no cluster.
            if result.output.contains("Invalid job id") { return [] }
            throw SlurmError.noCluster("squeue: " + Self.firstLine(result.message))
        }
        return result.output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5, let job = Int(fields[0]) else { return nil }
            return Task(arrayJob: job, index: Int(fields[1]), state: fields[2], nodes: fields[3], reason: fields[4])
        }
    }

    /// `scancel` for job ids or array tasks (`12`, `12_3`), with a signal when given.
    public func cancel(_ ids: [String], signal: String? = nil) throws {
        guard !ids.isEmpty else { return }
        var argv = ["scancel"]
        if let signal { argv += ["--signal", signal] }
        let result = try run(argv + ids)
        guard result.succeeded else { throw SlurmError("scancel: " + Self.cleaned(result.message)) }
    }

    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n").first ?? "no answer")
    }

    /// Slurm's message without its `sbatch: error: ` prefixes.
    static func cleaned(_ text: String) -> String {
        text.split(separator: "\n").map { line -> String in
            var line = String(line)
            for prefix in ["sbatch: error: ", "scancel: error: ", "srun: error: ", "sinfo: error: ", "error: "] where line.hasPrefix(prefix) {
                line.removeFirst(prefix.count)
            }
            return line
        }.joined(separator: "; ")
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
