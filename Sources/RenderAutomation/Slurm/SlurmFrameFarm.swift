#if canImport(Glibc)
import Glibc
#endif

/// The Slurm side of a frame-range render: it submits chunk attempts as job arrays (one array
/// per batch, split at the cluster's MaxArraySize), and each poll asks `squeue` once about every
/// array and reads the tasks' status and exit files. Confined to the runtime's loop thread.
final class SlurmFrameFarm {
    let client: SlurmClient
    let options: SlurmFarmOptions
    /// The shared job folder: one `a<N>/` folder per array (task files, Slurm's output, the
    /// batch script).
    let folder: String
    let rscript: String
    let maxArraySize: Int
    let jobName: String
    private var nextArray = 1
    /// Every array submitted, and the tasks not over yet.
    private(set) var arrays: [Int] = []
    private(set) var tasks: [SlurmChunkTask] = []
    /// squeue calls made (for the benchmarks and the tests).
    private(set) var pollCount = 0

    /// Checks that a cluster answers and that a submission with these options would be taken
    /// (`sbatch --test-only`: the partition, the extra options), and makes the job folder.
    /// Then, unless every node is this machine, that a node can read the scene, the rscript it
    /// runs and the job folder (`RSCRIPT_SLURM_CHECK_PATHS`: `always`, `never`, or `auto`).
    /// Submits nothing. Throws `SlurmError` with Slurm's message, or with the command that
    /// starts a cluster.
    init(options: SlurmFarmOptions, folder: String, jobName: String, scene: String) throws {
        client = SlurmClient()
        self.options = options
        self.folder = folder
        self.jobName = jobName
        maxArraySize = max(1, min(try client.maxArraySize(), options.maxArraySizeCap ?? Int.max))
        guard let rscript = options.rscriptPath ?? Environment.executablePath else {
            throw SlurmError("cannot tell where this rscript is (set RSCRIPT_SLURM_BIN)")
        }
        self.rscript = rscript
        try FSFile.makeDirectories(Array(folder.utf8))
        let probe = folder + "/check.sh"
        try Self.write(probe, "#!/bin/sh\ntrue\n")
        defer { unlink(probe) }
        try client.check(options.sbatchArguments(["--job-name=\(jobName)", "--output=/dev/null", "--array=0-0"]), script: probe)
        let mode = Environment.get("RSCRIPT_SLURM_CHECK_PATHS") ?? "auto"
        let check = mode == "always" ? true : mode == "never" ? false : !(try client.nodesAreThisHost(partition: options.partition))
        if check {
            if let unseen = try client.unseenPaths([scene, rscript, folder], partition: options.partition).first {
                throw SlurmError("the nodes cannot see \(unseen): the scene, the output folder and rscript must be on storage the nodes share (docs/slurm.md)")
            }
        }
    }

    var isIdle: Bool { tasks.isEmpty }

    /// Submits the tasks as arrays of at most MaxArraySize; sets each task's `arrayJob`.
    /// Throws Slurm's message for a batch it refused (the tasks of that batch and after are not
    /// submitted; those before are).
    func submit(_ batch: [SlurmChunkTask], specs: [SlurmTaskFiles.Spec]) throws {
        var start = 0
        while start < batch.count {
            let end = min(batch.count, start + maxArraySize)
            let slice = Array(batch[start..<end])
            let specSlice = Array(specs[start..<end])
            let arrayFolder = slice[0].files.folder
            for (task, spec) in zip(slice, specSlice) { try task.files.writeSpec(spec) }
            let script = arrayFolder + "/run.sh"
            try Self.write(script, "#!/bin/sh\nexec \(shellQuoted(rscript)) slurm-task \(shellQuoted(arrayFolder))\n")
            var array = "--array=0-\(slice.count - 1)"
            if let throttle = options.throttle { array += "%\(throttle)" }
            let job = try client.submit(options.sbatchArguments([
                "--job-name=\(jobName)", array, "--output=\(arrayFolder)/slurm-%a.out", "--chdir=\(Self.currentDirectory())",
            ]), script: script)
            arrays.append(job)
            // For a later run, should this rscript die (`cancelStale`).
            Self.appendLine(folder + "/arrays", "\(job)")
            for task in slice { task.arrayJob = job }
            tasks += slice
            start = end
        }
    }

    /// A fresh array folder; the tasks of one `submit` batch share it, so a batch longer than
    /// MaxArraySize takes one per slice (`taskFiles(count:)` does the numbering).
    func taskFiles(count: Int) throws -> [SlurmTaskFiles] {
        var files: [SlurmTaskFiles] = []
        var start = 0
        while start < count {
            let arrayFolder = folder + "/a\(nextArray)"
            nextArray += 1
            try FSFile.makeDirectories(Array(arrayFolder.utf8))
            let end = min(count, start + maxArraySize)
            for index in 0..<(end - start) { files.append(SlurmTaskFiles(folder: arrayFolder, index: index)) }
            start = end
        }
        return files
    }

    /// One poll: one `squeue` for every array with a task not over, then each such task's
    /// files. Returns the tasks that started and those that ended since the last poll. A task
    /// is over once Slurm says so (or has forgotten it) and its exit file is there, or 3 s after
    /// Slurm said so without one (cancelled before it could write it, or its node died).
    func poll() -> (started: [SlurmChunkTask], ended: [SlurmChunkTask]) {
        let live = Array(Set(tasks.compactMap(\.arrayJob))).sorted()
        guard !live.isEmpty else { return ([], []) }
        pollCount += 1
        var states: [String: SlurmClient.Task] = [:]
        let answered: Bool
        do {
            for task in try client.tasks(of: live) { states["\(task.arrayJob)_\(task.index ?? 0)"] = task }
            answered = true
        } catch {
            answered = false
        }
        let now = MonotonicClock.now()
        var started: [SlurmChunkTask] = []
        var ended: [SlurmChunkTask] = []
        for task in tasks {
            let wasStarted = task.started
            let hasExit = task.readFiles()
            var over = false
            if answered {
                if let state = states[task.jobName] {
                    task.slurmState = state.state
                    if state.state == "RUNNING" { task.started = true }
                    if !state.nodes.isEmpty, task.host == nil, state.state == "RUNNING" { task.host = state.nodes }
                    over = state.isEnded
                } else {
                    // Purged (older than MinJobAge) or lost with the controller's state.
                    over = true
                }
            }
            if over || hasExit {
                if task.overSince == nil { task.overSince = now }
            }
            let waited = now - (task.overSince ?? now)
            if (over && (hasExit || waited >= 3)) || (hasExit && waited >= 10) {
                task.ended = true
                task.started = true
                if !hasExit || task.slurmState == "CANCELLED" { task.endNote = Self.note(for: task) }
                task.finishOutput()
            }
            if task.started && !wasStarted { started.append(task) }
            if task.ended { ended.append(task) }
        }
        tasks.removeAll { $0.ended }
        return (started, ended)
    }

    /// Why a task that wrote no exit file ended.
    static func note(for task: SlurmChunkTask) -> String {
        let state = task.slurmState
        if state == "CANCELLED" || task.cancelRequested {
            return "KILLED: Slurm array task \(task.jobName) was cancelled (scancel)"
        }
        if state == "NODE_FAIL" { return "Slurm array task \(task.jobName) was lost with its node (NODE_FAIL)" }
        if state == "TIMEOUT" { return "Slurm array task \(task.jobName) reached its time limit (TIMEOUT)" }
        if state == "SUBMITTED" || state == "RUNNING" || state == "PENDING" {
            return "Slurm no longer knows array task \(task.jobName)"
        }
        return "Slurm array task \(task.jobName) ended \(state) without running rscript (see \(task.files.slurmOutput))"
    }

    /// scancel for one task (a stalled chunk).
    func cancel(_ task: SlurmChunkTask) {
        task.cancelRequested = true
        try? client.cancel([task.jobName])
    }

    /// scancel for every array with a task not over (Ctrl-C); polls go on until Slurm reports
    /// them over.
    func cancelAll() {
        for task in tasks { task.cancelRequested = true }
        let live = Array(Set(tasks.compactMap(\.arrayJob))).sorted()
        try? client.cancel(live.map(String.init))
    }

    /// The arrays a render left behind when its rscript died (kill -9): every job folder
    /// `slurm-PID-*` under `workFolder` whose rscript is gone. Their tasks still running are
    /// cancelled, and waited for (at most `timeout` seconds) so that the new plan sees the
    /// frames they finished; their folders are removed. Returns what was cancelled, for a notice.
    static func cancelStale(in workFolder: String, client: SlurmClient = SlurmClient(), timeout: Double = 30) -> [Int] {
        guard let names = try? FSFile.list(Array(workFolder.utf8)) else { return [] }
        var cancelled: [Int] = []
        for name in names.map({ String(decoding: $0, as: UTF8.self) }) where name.hasPrefix("slurm-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[1]), pid != getpid() else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // its rscript still runs
            let folder = workFolder + "/" + name
            let text = SlurmTaskFiles.readFile(folder + "/arrays").map { String(decoding: $0, as: UTF8.self) } ?? ""
            let arrays = text.split(separator: "\n").compactMap { Int($0) }
            if !arrays.isEmpty, let tasks = try? client.tasks(of: arrays) {
                let live = Array(Set(tasks.filter { !$0.isEnded }.map(\.arrayJob))).sorted()
                if !live.isEmpty {
                    try? client.cancel(live.map(String.init))
                    cancelled += live
                    let deadline = MonotonicClock.now() + timeout
                    while MonotonicClock.now() < deadline,
                          let left = try? client.tasks(of: live), left.contains(where: { !$0.isEnded }) {
                        usleep(200_000)
                    }
                }
            }
            _ = try? FSFile.removeTree(Array(folder.utf8))
        }
        return cancelled
    }

    static func appendLine(_ path: String, _ line: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = writeAll(fd, line + "\n")
    }

    static func write(_ path: String, _ text: String) throws {
        var text = text
        try text.withUTF8 { try FSFile.writeAtomically(Array(path.utf8), UnsafeRawBufferPointer($0)) }
        chmod(path, 0o755)
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
