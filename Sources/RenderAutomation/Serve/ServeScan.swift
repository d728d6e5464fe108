import Foundation
import GRDB

/// What changed since the last look: the rows whose `updatedAt` is past the watermark, less those
/// seen already at the same version. Writers stamp `updatedAt` with their own clock when they
/// write, and a transaction can commit a little after it stamped; so each look reads back a few
/// seconds (`slack`) and keeps what it saw in that window to tell new from already sent.
struct ServeScan {
    static let slack = 3.0
    var watermark = 0.0
    private var renders: [Int64: (changeCount: Int64, images: Int, state: String, updatedAt: Double)] = [:]
    private var jobs: [Int64: (updatedAt: Double, state: String)] = [:]
    private var frameRenders: [Int64: Double] = [:]
    private var chunks: [Int64: (updatedAt: Double, state: String)] = [:]

    struct Found {
        var events: [(kind: String, data: JSONValue)] = []
        var ended: [(ServeMetrics.Kind, Double)] = []
        var liveLogs: [(kind: String, id: Int64, path: String)] = []
        var endedLogs: [String] = []
    }

    /// Remembers the live rows, so that the first look reports what ends, and watches their logs.
    mutating func prime(_ db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT id, changeCount, state, updatedAt, (SELECT COUNT(*) FROM render_images WHERE renderId = renders.id) AS images FROM renders WHERE state = 'rendering' OR updatedAt >= ?", arguments: [watermark - Self.slack]) {
            renders[row["id"]] = (row["changeCount"], row["images"], row["state"], row["updatedAt"])
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, updatedAt, state FROM jobs WHERE state IN ('QUEUED', 'ACTIVE') OR updatedAt >= ?", arguments: [watermark - Self.slack]) {
            jobs[row["id"]] = (row["updatedAt"], row["state"])
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, updatedAt, state FROM frame_chunks WHERE state IN ('queued', 'rendering') OR updatedAt >= ?", arguments: [watermark - Self.slack]) {
            chunks[row["id"]] = (row["updatedAt"], row["state"])
        }
    }

    mutating func changes(_ db: Database) throws -> Found {
        var found = Found()
        let since = watermark - Self.slack
        var newest = watermark
        let now = Date()

        let renderRows = try Row.fetchAll(db, sql: GalleryStore.selectRenders + " WHERE updatedAt >= ? ORDER BY updatedAt", arguments: [since])
        var changed: [Row] = []
        for row in renderRows {
            let id: Int64 = row["id"], count: Int64 = row["changeCount"], updatedAt: Double = row["updatedAt"]
            newest = max(newest, updatedAt)
            if renders[id]?.changeCount != count { changed.append(row) }
        }
        for (row, snapshot) in zip(changed, try GalleryStore.snapshots(db, rows: changed)) {
            let id = snapshot.id, count = snapshot.changeCount, updatedAt: Double = row["updatedAt"]
            let images = snapshot.imageCount, state = snapshot.state.rawValue
            let before = renders[id]
            let json = ServeJSON.render(snapshot, now: now)
            found.events.append(("render", json))
            if images != (before?.images ?? 0), let latest = snapshot.latestImage {
                found.events.append(("image", .object([
                    "render": .int(id), "path": .string(latest.path), "time": .string(GalleryFormat.isoTime(latest.time)),
                    "imageCount": .int(Int64(images)),
                    "image": json["image"] ?? .null, "thumbnail": json["thumbnail"] ?? .null,
                ])))
            }
            if state != "rendering", before?.state ?? "rendering" == "rendering" {
                found.ended.append((.render, snapshot.duration(now: now)))
                if let log = snapshot.logPath { found.endedLogs.append(log) }
            } else if state == "rendering", let log = snapshot.logPath {
                found.liveLogs.append(("render", id, log))
            }
            renders[id] = (count, images, state, updatedAt)
        }

        for row in try Row.fetchAll(db, sql: JobStore.selectJobs + " WHERE updatedAt >= ? ORDER BY updatedAt", arguments: [since]) {
            let record = try JobStore.record(row)
            let updatedAt = record.updatedAt.timeIntervalSince1970
            newest = max(newest, updatedAt)
            let before = jobs[record.id]
            if before?.updatedAt == updatedAt && before?.state == record.state.rawValue { continue }
            found.events.append(("job", ServeJSON.job(record, now: now)))
            if record.state.isEnded, !(before.map { JobState(rawValue: $0.state)?.isEnded ?? false } ?? false) {
                if let seconds = record.duration(now: now) { found.ended.append((.job, seconds)) }
                if let log = record.logPath { found.endedLogs.append(log) }
            } else if record.state == .active, let log = record.logPath {
                found.liveLogs.append(("job", record.id, log))
            }
            jobs[record.id] = (updatedAt, record.state.rawValue)
        }

        for row in try Row.fetchAll(db, sql: FrameRenderRow.select + " WHERE updatedAt >= ? ORDER BY updatedAt", arguments: [since]) {
            let render = FrameRenderRow(row)
            newest = max(newest, render.updatedAt)
            if frameRenders[render.id] == render.updatedAt { continue }
            frameRenders[render.id] = render.updatedAt
            found.events.append(("frames", render.jsonValue(now: now)))
        }

        for row in try Row.fetchAll(db, sql: FrameChunkRow.select + " WHERE updatedAt >= ? ORDER BY updatedAt", arguments: [since]) {
            let chunk = FrameChunkRow(row)
            newest = max(newest, chunk.updatedAt)
            let before = chunks[chunk.id]
            if before?.updatedAt == chunk.updatedAt && before?.state == chunk.state { continue }
            chunks[chunk.id] = (chunk.updatedAt, chunk.state)
            found.events.append(("chunk", .object(["frameRender": .int(chunk.renderId), "chunk": chunk.jsonValue()])))
            let live = chunk.state == "rendering" || chunk.state == "queued"
            if !live, before.map({ $0.state == "rendering" || $0.state == "queued" }) ?? true {
                if let start = chunk.startedAt, let end = chunk.endedAt { found.ended.append((.chunk, end - start)) }
                if let log = chunk.logPath { found.endedLogs.append(log) }
            } else if chunk.state == "rendering", let log = chunk.logPath {
                found.liveLogs.append(("chunk", chunk.id, log))
            }
        }

        watermark = newest
        forget(olderThan: watermark - Self.slack)
        return found
    }

    /// Rows outside the window will not be read again unless they change (and a change moves
    /// their `updatedAt` into the window): only live ones need remembering beyond it.
    private mutating func forget(olderThan limit: Double) {
        renders = renders.filter { $0.value.updatedAt >= limit || $0.value.state == "rendering" }
        jobs = jobs.filter { $0.value.updatedAt >= limit || !(JobState(rawValue: $0.value.state)?.isEnded ?? true) }
        frameRenders = frameRenders.filter { $0.value >= limit }
        chunks = chunks.filter { $0.value.updatedAt >= limit || $0.value.state == "rendering" || $0.value.state == "queued" }
    }
}
