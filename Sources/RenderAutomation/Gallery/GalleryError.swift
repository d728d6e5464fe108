/// What can go wrong with the gallery database. The `description` is the whole message a user
/// sees (the CLI prints it after `rscript: `); `kind` lets code tell the cases apart.
public struct GalleryError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kinds of gallery errors (a struct, so new kinds do not break callers' switches).
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Another process held the database longer than the busy timeout.
        public static let locked = Kind("locked")
        /// The file or its folder cannot be written (permissions, read-only file system).
        public static let notWritable = Kind("notWritable")
        /// The file is not SQLite, or is another program's SQLite database.
        public static let notADatabase = Kind("notADatabase")
        /// The database was made by a newer rscript, with a schema this one does not know.
        public static let newerSchema = Kind("newerSchema")
        /// Opened read-only, and there is no file.
        public static let missing = Kind("missing")
        /// No render has that id.
        public static let unknownRender = Kind("unknownRender")
        /// A row holds data that does not parse (a JSON column that is not JSON); the message
        /// names the table, the row and the column.
        public static let corruptRow = Kind("corruptRow")
        /// A call the store refuses (`finish` with `.rendering`, say).
        public static let invalidArgument = Kind("invalidArgument")
        /// Any other SQLite or file-system failure; the message has SQLite's words.
        public static let other = Kind("other")
    }

    public let kind: Kind
    /// The database file concerned.
    public let path: String
    public let message: String

    public init(_ kind: Kind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { message }

    public static func locked(_ path: String) -> GalleryError {
        GalleryError(.locked, path: path, message: "the gallery database \(path) is locked by another process")
    }

    /// `reason` is the system's words (`Permission denied`, `Read-only file system`).
    public static func notWritable(_ path: String, reason: String) -> GalleryError {
        GalleryError(.notWritable, path: path, message: "cannot write the gallery database \(path): \(reason)")
    }

    public static func cannotCreateFolder(_ folder: String, database path: String, reason: String) -> GalleryError {
        GalleryError(.notWritable, path: path, message: "cannot create the gallery folder \(folder): \(reason)")
    }

    public static func notADatabase(_ path: String) -> GalleryError {
        GalleryError(.notADatabase, path: path, message: "\(path) is not an rscript gallery database")
    }

    public static func newerSchema(_ path: String, version: Int, known: Int) -> GalleryError {
        GalleryError(.newerSchema, path: path, message: "the gallery database \(path) was made by a newer rscript (schema \(version); this one knows up to \(known))")
    }

    static func corruptRow(_ problem: StoredJSONError, path: String) -> GalleryError {
        GalleryError(.corruptRow, path: path, message: "the gallery database \(path) has a damaged row: \(problem)")
    }

    public static func unknownRender(_ id: Int64, path: String) -> GalleryError {
        GalleryError(.unknownRender, path: path, message: "no render with id \(id) in \(path)")
    }
}
