#if canImport(Glibc)
import Glibc
#endif

/// One chunk attempt as a Slurm array task, as the submitting rscript follows it: Slurm's state
/// (from the batched `squeue` of each poll), the task's status and exit files, and the renderer's
/// output read from the chunk log as it grows. Lives on the runtime's loop thread.
final class SlurmChunkTask: ChunkExecution {
    let files: SlurmTaskFiles
    let command: [String]
    let logPath: String
    /// The array's job id, once submitted.
    var arrayJob: Int?
    /// Where the log was when the task was submitted: its output starts there.
    private var offset: Int
    private var partial: [UInt8] = []
    private var pending: [String] = []
    private var recent: [String] = []
    private(set) var lastOutputAt = MonotonicClock.now()

    /// Slurm's last word on the task (`RUNNING`, `COMPLETED`, ...), and when it was first seen
    /// over (or missing from squeue).
    var slurmState = "SUBMITTED"
    var host: String?
    var processID: Int32?
    private(set) var exitStatus: ExitStatus?
    var endNote: String?
    var overSince: Double?
    /// Seen running on a node (its status file, or squeue).
    var started = false
    var ended = false
    var cancelRequested = false

    init(files: SlurmTaskFiles, command: [String], logPath: String) {
        self.files = files
        self.command = command
        self.logPath = logPath
        var st = stat()
        offset = stat(logPath, &st) == 0 ? Int(st.st_size) : 0
    }

    /// `12_3`, as Slurm names the task.
    var jobName: String { arrayJob.map { "\($0)_\(files.index)" } ?? "unsubmitted" }

    func takeLines() -> [String] {
        readOutput()
        defer { pending.removeAll() }
        return pending
    }

    /// Started on a node: a stall is counted from now, not from the time in the queue.
    func markStarted() { lastOutputAt = MonotonicClock.now() }

    func tail(_ n: Int) -> [String] { Array(recent.suffix(n)) }

    /// Reads what the log gained since the last call; complete lines become pending.
    func readOutput() {
        guard let bytes = SlurmTaskFiles.readFile(logPath, from: offset), !bytes.isEmpty else { return }
        offset += bytes.count
        lastOutputAt = MonotonicClock.now()
        partial += bytes
        while let newline = partial.firstIndex(of: 10) {
            let line = String(decoding: partial[..<newline], as: UTF8.self)
            partial.removeSubrange(...newline)
            // The node's own header line is for people reading the log.
            if line.hasPrefix("rscript slurm-task: ") { continue }
            pending.append(line)
            recent.append(line)
            if recent.count > 64 { recent.removeFirst(recent.count - 64) }
        }
    }

    /// Reads the status file (once) and the exit file; true when the exit file is there.
    func readFiles() -> Bool {
        if !started || processID == nil, let status = SlurmTaskFiles.readJSON(files.status) {
            started = true
            host = status["host"]?.stringValue
            processID = status["pid"]?.doubleValue.map { Int32($0) }
        }
        if exitStatus == nil, let exit = SlurmTaskFiles.readJSON(files.exit), let code = exit["code"]?.doubleValue {
            started = true
            exitStatus = ExitStatus(code: Int32(code))
        }
        return exitStatus != nil
    }

    /// The end of the output, once the task is over: a last line without its newline too.
    func finishOutput() {
        readOutput()
        if !partial.isEmpty {
            let line = String(decoding: partial, as: UTF8.self)
            partial.removeAll()
            pending.append(line)
            recent.append(line)
        }
    }
}
