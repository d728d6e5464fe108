import GRDB

/// The job queue's tables, which live in the gallery's database file.
///
/// The file belongs to the gallery (`GallerySchema`: `application_id` "rsgl", the gallery's
/// schema version in `user_version`). The job queue adds its own tables beside the gallery's
/// and keeps its own version in the table `rscript_schemas` (one row per component, so that
/// other parts of rscript can keep theirs there too). Opening runs, in one write transaction
/// (BEGIN IMMEDIATE): the gallery's migration first (so a new file becomes a proper gallery
/// database, and a gallery opened later finds nothing to do), then `CREATE TABLE IF NOT
/// EXISTS` for the job tables. Either store may therefore open the file first.
///
/// Table `jobs` (schema 1): one row per job; `passedData` and `result` are JSON text; times
/// are seconds since 1970; `ownerPid`/`ownerStart` name the rscript process serving the job
/// and `workerPid`/`workerStart` the worker of its running attempt (start times from
/// /proc, so that a reused pid is not taken for them).
enum JobSchema {
    static let component = "jobs"
    static let currentVersion = 1

    static let version1 = """
        CREATE TABLE IF NOT EXISTS rscript_schemas (
            component TEXT PRIMARY KEY,
            version INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            script TEXT NOT NULL,
            passedData TEXT NOT NULL,
            timeout REAL,
            maxAttempts INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('QUEUED', 'ACTIVE', 'COMPLETED', 'DROPPED', 'KILLED', 'TIMED_OUT')),
            attempts INTEGER NOT NULL DEFAULT 0,
            progress REAL NOT NULL DEFAULT 0,
            progressMessage TEXT,
            result TEXT,
            errorMessage TEXT,
            errorTraceback TEXT,
            logPath TEXT,
            ownerPid INTEGER,
            ownerStart INTEGER,
            workerPid INTEGER,
            workerStart INTEGER,
            createdAt REAL NOT NULL,
            startedAt REAL,
            endedAt REAL,
            updatedAt REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, id);
        CREATE INDEX IF NOT EXISTS jobs_by_name ON jobs(name, id);
        """

    /// The job tables' version in this file (0: none yet).
    static func version(_ db: Database) throws -> Int {
        guard try db.tableExists("rscript_schemas") else { return 0 }
        return try Int.fetchOne(db, sql: "SELECT version FROM rscript_schemas WHERE component = ?", arguments: [component]) ?? 0
    }

    /// True when both the gallery and the job tables are current (nothing to write on open).
    static func isCurrent(_ db: Database, path: String) throws -> Bool {
        guard try GallerySchema.isCurrent(db, path: path) else { return false }
        let version = try version(db)
        if version > currentVersion { throw newerSchema(path, version: version) }
        return version == currentVersion
    }

    /// Creates what is missing; runs inside a write transaction.
    static func migrate(_ db: Database, path: String) throws {
        try GallerySchema.migrate(db, path: path)
        let version = try version(db)
        if version > currentVersion { throw newerSchema(path, version: version) }
        if version == currentVersion { return }
        try db.execute(sql: version1)
        try db.execute(
            sql: "INSERT OR REPLACE INTO rscript_schemas (component, version) VALUES (?, ?)",
            arguments: [component, currentVersion])
    }

    static func newerSchema(_ path: String, version: Int) -> JobError {
        JobError(.database, "the job queue in \(path) was made by a newer rscript (schema \(version); this one knows up to \(currentVersion))",
                 databaseKind: .newerSchema)
    }
}
