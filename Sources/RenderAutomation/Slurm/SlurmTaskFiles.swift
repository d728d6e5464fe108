#if canImport(Glibc)
import Glibc
#endif

/// The files of one array task in the shared job folder, as in Nextflow's work folders: what to
/// run (`task-N.json`, written by the submitting rscript), and what happened (`task-N.status`
/// when it starts on a node, `task-N.exit` when it ends, both written atomically by
/// `rscript slurm-task` on the node). The renderer's output goes to the chunk's log, which the
/// submitting rscript reads for progress. Slurm's own output of the task is `slurm-N.out`.
public struct SlurmTaskFiles: Sendable {
    public let folder: String
    public let index: Int

    public init(folder: String, index: Int) {
        self.folder = folder
        self.index = index
    }

    public var spec: String { folder + "/task-\(index).json" }
    public var status: String { folder + "/task-\(index).status" }
    public var exit: String { folder + "/task-\(index).exit" }
    public var slurmOutput: String { folder + "/slurm-\(index).out" }

    /// The task file of `folder` for `$SLURM_ARRAY_TASK_ID`.
    public static func forArrayTask(folder: String) -> SlurmTaskFiles? {
        guard let id = Environment.get("SLURM_ARRAY_TASK_ID").flatMap({ Int($0) }) else { return nil }
        return SlurmTaskFiles(folder: folder, index: id)
    }

    /// What a task runs: `{argv, cwd, env, log}`.
    public struct Spec: Sendable {
        public var argv: [String]
        public var directory: String?
        public var environment: [String: String]
        public var logPath: String

        var json: JSONValue {
            var object: [String: JSONValue] = [
                "argv": .array(argv.map { .string($0) }), "log": .string(logPath),
                "env": .object(environment.mapValues { .string($0) }),
            ]
            if let directory { object["cwd"] = .string(directory) }
            return .object(object)
        }

        init(argv: [String], directory: String?, environment: [String: String], logPath: String) {
            self.argv = argv
            self.directory = directory
            self.environment = environment
            self.logPath = logPath
        }

        init(_ value: JSONValue) throws {
            guard case .array(let items) = value["argv"] ?? .null, !items.isEmpty,
                  let log = value["log"]?.stringValue else { throw SlurmError("task file without argv and log") }
            argv = items.compactMap(\.stringValue)
            directory = value["cwd"]?.stringValue
            environment = (value["env"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            logPath = log
        }
    }

    /// Reads a JSON file, or nil when it is missing or not (yet) whole JSON.
    static func readJSON(_ path: String) -> JSONValue? {
        guard let bytes = readFile(path), !bytes.isEmpty else { return nil }
        return try? JSONValue(jsonText: String(decoding: bytes, as: UTF8.self))
    }

    /// A whole (small) file, or nil when it cannot be read.
    static func readFile(_ path: String, from offset: Int = 0) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 { return nil }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n > 0 { bytes += buffer[0..<n] } else if n < 0 && errno == EINTR { continue } else { break }
        }
        return bytes
    }

    static func writeJSON(_ path: String, _ value: JSONValue) throws {
        var text = value.jsonText + "\n"
        try text.withUTF8 { try FSFile.writeAtomically(Array(path.utf8), UnsafeRawBufferPointer($0)) }
    }

    func writeSpec(_ spec: Spec) throws { try Self.writeJSON(self.spec, spec.json) }
    func readSpec() throws -> Spec {
        guard let value = Self.readJSON(spec) else { throw SlurmError("cannot read the task file \(spec)") }
        return try Spec(value)
    }
}
