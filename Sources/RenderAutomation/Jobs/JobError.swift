/// What can go wrong with the job queue. The `description` is the whole message a user sees
/// (the CLI prints it after `rscript: `; Lua gets it as the error or as `add_job`'s message).
public struct JobError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kinds of job errors (a struct, so new kinds do not break callers' switches).
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No job has that id or name.
        public static let unknownJob = Kind("unknownJob")
        /// A job of that name is already in this job manager.
        public static let duplicateName = Kind("duplicateName")
        /// A bad argument: a missing script, a bad option, a retry of a job that has not ended.
        public static let invalidArgument = Kind("invalidArgument")
        /// The database failed: locked, not writable, not an rscript database, newer schema...
        /// (`databaseKind` tells which).
        public static let database = Kind("database")
    }

    public let kind: Kind
    public let message: String
    /// For `.database`: the gallery error kind of the underlying failure.
    public let databaseKind: GalleryError.Kind?

    public init(_ kind: Kind, _ message: String, databaseKind: GalleryError.Kind? = nil) {
        self.kind = kind
        self.message = message
        self.databaseKind = databaseKind
    }

    public var description: String { message }

    /// `no job 42 in /path` (numeric ids) or `no job named 'bake' in /path`.
    public static func unknownJob(_ reference: String, path: String) -> JobError {
        if Int64(reference) != nil { return JobError(.unknownJob, "no job \(reference) in \(path)") }
        return JobError(.unknownJob, "no job named '\(reference)' in \(path)")
    }

    static func invalid(_ message: String) -> JobError { JobError(.invalidArgument, message) }

    /// Any failure of the database file, in the gallery's words (it is the same file).
    static func database(_ error: any Error, path: String) -> JobError {
        if let error = error as? JobError { return error }
        let wrapped = GalleryError.wrap(error, path: path)
        return JobError(.database, wrapped.message, databaseKind: wrapped.kind)
    }
}
