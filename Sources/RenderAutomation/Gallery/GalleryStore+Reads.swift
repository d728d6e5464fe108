import Foundation
import GRDB

extension GalleryStore {
    /// The render's snapshot, or nil when no render has `id`. Reads one consistent state of the
    /// file (never a half-applied write).
    ///
    /// - Parameter fullImageHistory: false fills `imagePaths` with the latest update only
    ///   (`imageCount` still counts them all): cheaper for a long progressive render.
    public func snapshot(id: Int64, fullImageHistory: Bool = true) throws -> RenderSnapshot? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: Self.selectRenders + " WHERE id = ?", arguments: [id]) else {
                return nil
            }
            return try Self.snapshot(db, row: row, fullImageHistory: fullImageHistory)
        }
    }

    /// Renders, newest first (by id).
    ///
    /// - Parameters:
    ///   - limit: at most this many (nil: all).
    ///   - state: only renders in this state (orphans count as `rendering`).
    ///   - fullImageHistory: as in `snapshot(id:fullImageHistory:)`; false by default here.
    public func list(limit: Int? = nil, state: RenderState? = nil, fullImageHistory: Bool = false) throws -> [RenderSnapshot] {
        try read { db in
            var sql = Self.selectRenders
            var arguments: StatementArguments = []
            if let state {
                sql += " WHERE state = ?"
                arguments += [state.rawValue]
            }
            sql += " ORDER BY id DESC"
            if let limit {
                sql += " LIMIT ?"
                arguments += [max(0, limit)]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                try Self.snapshot(db, row: $0, fullImageHistory: fullImageHistory)
            }
        }
    }

    /// The render's change counter (bumped by every write to it), or nil when no render has
    /// `id`: one indexed read, for pollers such as `gallery watch`.
    public func changeCount(id: Int64) throws -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT changeCount FROM renders WHERE id = ?", arguments: [id])
        }
    }

    // MARK: Decoding rows

    static let selectRenders = """
        SELECT id, label, renderer, scene, options, state, startedAt, endedAt, updatedAt, logPath, workDir,
               errorMessage, errorTraceback, pid, changeCount,
               (SELECT COUNT(*) FROM render_images WHERE renderId = renders.id) AS imageCount
        FROM renders
        """

    /// The snapshots of many rows at once, each with its latest image only: three queries for a
    /// page of renders, not two per render (`rscript serve`'s lists).
    static func snapshots(_ db: Database, rows: [Row]) throws -> [RenderSnapshot] {
        guard !rows.isEmpty else { return [] }
        let ids: [Int64] = rows.map { $0["id"] }
        let list = ids.map(String.init).joined(separator: ",")  // integers only: nothing to escape
        var latest: [Int64: RenderSnapshot.ImageUpdate] = [:]
        for image in try Row.fetchAll(db, sql: """
            SELECT renderId, path, time FROM render_images
            WHERE id IN (SELECT MAX(id) FROM render_images WHERE renderId IN (\(list)) GROUP BY renderId)
            """) {
            latest[image["renderId"]] = RenderSnapshot.ImageUpdate(path: image["path"], time: Date(timeIntervalSince1970: image["time"]))
        }
        var metadata: [Int64: [String: JSONValue]] = [:]
        for entry in try Row.fetchAll(db, sql: "SELECT renderId, key, value FROM render_metadata WHERE renderId IN (\(list))") {
            let id: Int64 = entry["renderId"], key: String = entry["key"]
            metadata[id, default: [:]][key] = try StoredJSONError.decode(
                entry["value"], table: "render_metadata", row: "render \(id), key '\(key)'", column: "value")
        }
        return try rows.map { row in
            let id: Int64 = row["id"]
            return try snapshot(row: row, images: latest[id].map { [$0] } ?? [], metadata: metadata[id] ?? [:])
        }
    }

    static func snapshot(_ db: Database, row: Row, fullImageHistory: Bool) throws -> RenderSnapshot {
        let id: Int64 = row["id"]
        let imageSQL = fullImageHistory
            ? "SELECT path, time FROM render_images WHERE renderId = ? ORDER BY id"
            : "SELECT path, time FROM render_images WHERE renderId = ? ORDER BY id DESC LIMIT 1"
        let images = try Row.fetchAll(db, sql: imageSQL, arguments: [id]).map {
            RenderSnapshot.ImageUpdate(path: $0["path"], time: Date(timeIntervalSince1970: $0["time"]))
        }
        var metadata: [String: JSONValue] = [:]
        for entry in try Row.fetchAll(db, sql: "SELECT key, value FROM render_metadata WHERE renderId = ?", arguments: [id]) {
            let key: String = entry["key"]
            metadata[key] = try StoredJSONError.decode(entry["value"], table: "render_metadata", row: "render \(id), key '\(key)'", column: "value")
        }
        return try snapshot(row: row, images: images, metadata: metadata)
    }

    private static func snapshot(row: Row, images: [RenderSnapshot.ImageUpdate], metadata: [String: JSONValue]) throws -> RenderSnapshot {
        let id: Int64 = row["id"]
        let errorMessage: String? = row["errorMessage"]
        return RenderSnapshot(
            id: id,
            label: row["label"],
            renderer: row["renderer"],
            scene: row["scene"],
            options: try StoredJSONError.decode(row["options"], table: "renders", row: "id \(id)", column: "options"),
            state: RenderState(rawValue: row["state"]) ?? .failed,
            imagePaths: images,
            imageCount: row["imageCount"],
            metadata: metadata,
            startedAt: Date(timeIntervalSince1970: row["startedAt"]),
            endedAt: (row["endedAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            updatedAt: Date(timeIntervalSince1970: row["updatedAt"]),
            logPath: row["logPath"],
            workDir: row["workDir"],
            error: errorMessage.map { RenderSnapshot.Failure(message: $0, traceback: row["errorTraceback"]) },
            pid: row["pid"],
            changeCount: row["changeCount"])
    }
}
