import Foundation
import GRDB

extension GalleryStore {
    /// Records a new render, in state `rendering`, started now, with no images and no metadata,
    /// and returns its snapshot (whose `id` is the render's `itemId`).
    ///
    /// - Parameters:
    ///   - options: what the render started with (an object: `plugin`, `viewport`, ...).
    ///   - pid: the process that runs the render; `gallery list` shows the render as
    ///     "rendering (orphaned)" once that process is gone. Defaults to this process.
    /// - Throws: `GalleryError` (`.locked`, `.notWritable`, ...).
    public func createRender(
        label: String,
        renderer: String,
        scene: String,
        options: JSONValue = .object([:]),
        logPath: String? = nil,
        workDir: String? = nil,
        pid: Int32? = ProcessInfo.processInfo.processIdentifier
    ) throws -> RenderSnapshot {
        try write { db in
            try Self.insertRender(db, label: label, renderer: renderer, scene: scene, options: options,
                                  logPath: logPath, workDir: workDir, pid: pid)
        }
    }

    /// `createRender`'s statement, for a transaction of the caller's (the recorder's writer).
    static func insertRender(
        _ db: Database, label: String, renderer: String, scene: String, options: JSONValue,
        logPath: String? = nil, workDir: String? = nil, pid: Int32? = ProcessInfo.processInfo.processIdentifier
    ) throws -> RenderSnapshot {
        let now = Date()
        try db.execute(
            sql: """
                INSERT INTO renders (label, renderer, scene, options, state, startedAt, updatedAt,
                                     logPath, workDir, pid, changeCount)
                VALUES (?, ?, ?, ?, 'rendering', ?, ?, ?, ?, ?, 1)
                """,
            arguments: [label, renderer, scene, options.jsonText, now.timeIntervalSince1970,
                        now.timeIntervalSince1970, logPath, workDir, pid])
        let id = db.lastInsertedRowID
        return RenderSnapshot(
            id: id, label: label, renderer: renderer, scene: scene, options: options, state: .rendering,
            imagePaths: [], imageCount: 0, metadata: [:], startedAt: Self.roundTrip(now), endedAt: nil,
            updatedAt: Self.roundTrip(now), logPath: logPath, workDir: workDir, error: nil, pid: pid,
            changeCount: 1)
    }

    /// Adds one entry, `path` at the current time, to the end of the render's image history
    /// (Houdini's `updateImagePath`: calling again with the same path records a new update, meaning
    /// the file changed). One row is inserted; the history is not rewritten.
    /// - Throws: `GalleryError.unknownRender` when no render has `id`.
    public func appendImage(id: Int64, path imagePath: String) throws {
        try write { db in try Self.appendImage(db, id: id, path: imagePath, now: Date(), storePath: path) }
    }

    /// Merges `patch` into the render's metadata (Houdini's `updateMetadata`): each key in the
    /// patch is set (a `.null` value is stored as null), keys not in the patch are kept. One row
    /// per key in the patch is written.
    /// - Throws: `GalleryError.unknownRender` when no render has `id`.
    public func mergeMetadata(id: Int64, _ patch: [String: JSONValue]) throws {
        try write { db in try Self.mergeMetadata(db, id: id, patch: patch, now: Date(), storePath: path) }
    }

    /// Ends a render: sets its state to `state` (finished, failed or stopped), `endedAt` to now,
    /// and its error (message and traceback). A render that has already ended is left as it is.
    ///
    /// - Returns: true if the render was `rendering` and is now ended, false if it had already
    ///   ended (the first end wins: a stop after a finish does not turn it into stopped).
    /// - Throws: `GalleryError.unknownRender`; `.invalidArgument` for `state == .rendering`.
    @discardableResult
    public func finish(id: Int64, state: RenderState, error: RenderSnapshot.Failure? = nil) throws -> Bool {
        try write { db in try Self.finish(db, id: id, state: state, error: error, now: Date(), storePath: path) }
    }

    /// Applies several changes in one transaction (cheaper than one write each when a poll turn
    /// touched many renders). Changes to renders that no longer exist are skipped.
    ///
    /// - Returns: the ids of the skipped changes' renders (empty when all were applied).
    /// - Throws: `GalleryError`; on a throw nothing was applied.
    @discardableResult
    public func apply(_ changes: [GalleryChange]) throws -> Set<Int64> {
        guard !changes.isEmpty else { return [] }
        let now = Date()
        return try write { db -> Set<Int64> in
            var missing: Set<Int64> = []
            for change in changes {
                do {
                    switch change {
                    case .appendImage(let id, let imagePath):
                        try Self.appendImage(db, id: id, path: imagePath, now: now, storePath: path)
                    case .mergeMetadata(let id, let patch):
                        try Self.mergeMetadata(db, id: id, patch: patch, now: now, storePath: path)
                    case .finish(let id, let state, let error):
                        try Self.finish(db, id: id, state: state, error: error, now: now, storePath: path)
                    }
                } catch let error as GalleryError where error.kind == .unknownRender {
                    missing.insert(change.id)
                }
            }
            return missing
        }
    }

    /// Sets the render's log path and/or work folder (a nil argument leaves that field as is).
    /// - Throws: `GalleryError.unknownRender`.
    public func setPaths(id: Int64, logPath: String? = nil, workDir: String? = nil) throws {
        try write { db in
            try Self.touch(db, id: id, now: Date(), storePath: path)
            if let logPath { try db.execute(sql: "UPDATE renders SET logPath = ? WHERE id = ?", arguments: [logPath, id]) }
            if let workDir { try db.execute(sql: "UPDATE renders SET workDir = ? WHERE id = ?", arguments: [workDir, id]) }
        }
    }

    /// Deletes the render, its image history and its metadata. When `deletingFiles` is true and
    /// the render's `workDir` is the folder `makeWorkDir(id:)` made for it (inside the gallery's
    /// data folder), that folder is deleted too; any other folder or file is left alone.
    ///
    /// - Returns: false when no render has `id` (nothing is changed).
    /// - Throws: `GalleryError` for database failures only (a folder that cannot be deleted is
    ///   left behind silently).
    @discardableResult
    public func remove(id: Int64, deletingFiles: Bool = true) throws -> Bool {
        let workDir = try write { db -> String?? in
            guard let row = try Row.fetchOne(db, sql: "SELECT workDir FROM renders WHERE id = ?", arguments: [id]) else {
                return .none
            }
            try db.execute(sql: "DELETE FROM renders WHERE id = ?", arguments: [id])
            return .some(row["workDir"] as String?)
        }
        guard case .some(let dir) = workDir else { return false }
        if deletingFiles, let dir, dir == managedWorkDir(for: id), Self.isRealDirectory(dir) {
            try? FileManager.default.removeItem(atPath: dir)
        }
        return true
    }

    // MARK: Statements shared by the single writes and `apply`

    /// Bumps the render's change counter; throws `.unknownRender` when there is no such row.
    static func touch(_ db: Database, id: Int64, now: Date, storePath: String) throws {
        try db.execute(
            sql: "UPDATE renders SET changeCount = changeCount + 1, updatedAt = ? WHERE id = ?",
            arguments: [now.timeIntervalSince1970, id])
        if db.changesCount == 0 { throw GalleryError.unknownRender(id, path: storePath) }
    }

    static func appendImage(_ db: Database, id: Int64, path: String, now: Date, storePath: String) throws {
        try touch(db, id: id, now: now, storePath: storePath)
        try db.execute(
            sql: "INSERT INTO render_images (renderId, path, time) VALUES (?, ?, ?)",
            arguments: [id, path, now.timeIntervalSince1970])
    }

    static func mergeMetadata(_ db: Database, id: Int64, patch: [String: JSONValue], now: Date, storePath: String) throws {
        try touch(db, id: id, now: now, storePath: storePath)
        let statement = try db.cachedStatement(sql: """
            INSERT INTO render_metadata (renderId, key, value) VALUES (?, ?, ?)
            ON CONFLICT (renderId, key) DO UPDATE SET value = excluded.value
            """)
        for (key, value) in patch {
            try statement.execute(arguments: [id, key, value.jsonText])
        }
    }

    @discardableResult
    static func finish(_ db: Database, id: Int64, state: RenderState, error: RenderSnapshot.Failure?, now: Date, storePath: String) throws -> Bool {
        guard state.isEnded else {
            throw GalleryError(.invalidArgument, path: storePath, message: "cannot finish render \(id) with state rendering")
        }
        try db.execute(
            sql: """
                UPDATE renders SET state = ?, endedAt = ?, errorMessage = ?, errorTraceback = ?,
                                   changeCount = changeCount + 1, updatedAt = ?
                WHERE id = ? AND state = 'rendering'
                """,
            arguments: [state.rawValue, now.timeIntervalSince1970, error?.message, error?.traceback,
                        now.timeIntervalSince1970, id])
        if db.changesCount > 0 { return true }
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM renders WHERE id = ?", arguments: [id]) != nil else {
            throw GalleryError.unknownRender(id, path: storePath)
        }
        return false
    }

    /// A date as it reads back from the database (seconds since 1970 as a Double).
    static func roundTrip(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970)
    }
}
