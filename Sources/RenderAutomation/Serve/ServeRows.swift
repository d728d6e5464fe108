import Foundation
import GRDB

/// The rows of the frame and pool tables as the API shows them. The frame renderer and the pool
/// write these tables but never read them back, so their decoding lives here.
struct FrameRenderRow: Sendable {
    static let select = """
        SELECT id, label, scene, spec, output, pattern, workers, frames, skipped, rendered, notRendered, state,
               ownerPid, startedAt, endedAt, updatedAt
        FROM frame_renders
        """
    var id: Int64
    var label: String
    var scene: String
    var spec: String
    var output: String
    var pattern: String
    var workers: Int
    var frames: Int
    var skipped: Int
    var rendered: Int
    var notRendered: String?
    var state: String
    var ownerPid: Int32?
    var startedAt: Double
    var endedAt: Double?
    var updatedAt: Double

    init(_ row: Row) {
        id = row["id"]; label = row["label"]; scene = row["scene"]; spec = row["spec"]; output = row["output"]
        pattern = row["pattern"]; workers = row["workers"]; frames = row["frames"]; skipped = row["skipped"]
        rendered = row["rendered"]; notRendered = row["notRendered"]; state = row["state"]; ownerPid = row["ownerPid"]
        startedAt = row["startedAt"]; endedAt = row["endedAt"]; updatedAt = row["updatedAt"]
    }

    var isEnded: Bool { state != "rendering" }

    func jsonValue(now: Date = Date()) -> JSONValue {
        let end = endedAt ?? now.timeIntervalSince1970
        return .object([
            "id": .int(id), "label": .string(label), "scene": .string(scene), "spec": .string(spec),
            "state": .string(state), "frames": .int(Int64(frames)), "rendered": .int(Int64(rendered)),
            "skipped": .int(Int64(skipped)), "notRendered": notRendered.map(JSONValue.string) ?? .null,
            "workers": .int(Int64(workers)), "output": .string(output), "pattern": .string(pattern),
            "ownerPid": ownerPid.map { .int(Int64($0)) } ?? .null,
            "startedAt": ServeJSON.time(startedAt), "endedAt": endedAt.map(ServeJSON.time) ?? .null,
            "updatedAt": ServeJSON.time(updatedAt), "duration": ServeJSON.seconds(max(0, end - startedAt)),
            "contactSheet": .string("/api/v1/frames/\(id)/contact-sheet?v=\(Int64(updatedAt * 1000))"),
        ])
    }
}

struct FrameChunkRow: Sendable {
    static let select = """
        SELECT id, renderId, first, last, step, attempt, state, worker, pid, logPath, framesDone, reason,
               startedAt, endedAt, updatedAt
        FROM frame_chunks
        """
    var id: Int64
    var renderId: Int64
    var first: Int
    var last: Int
    var step: Int
    var attempt: Int
    var state: String
    var worker: Int?
    var pid: Int32?
    var logPath: String?
    var framesDone: Int
    var reason: String?
    var startedAt: Double?
    var endedAt: Double?
    var updatedAt: Double

    init(_ row: Row) {
        id = row["id"]; renderId = row["renderId"]; first = row["first"]; last = row["last"]; step = row["step"]
        attempt = row["attempt"]; state = row["state"]; worker = row["worker"]; pid = row["pid"]; logPath = row["logPath"]
        framesDone = row["framesDone"]; reason = row["reason"]; startedAt = row["startedAt"]; endedAt = row["endedAt"]
        updatedAt = row["updatedAt"]
    }

    func jsonValue() -> JSONValue {
        var duration = JSONValue.null
        if let startedAt {
            let end: Double = endedAt ?? Date().timeIntervalSince1970
            duration = ServeJSON.seconds(max(0, end - startedAt))
        }
        return .object([
            "id": .int(id), "frameRender": .int(renderId), "first": .int(Int64(first)), "last": .int(Int64(last)),
            "step": .int(Int64(step)), "attempt": .int(Int64(attempt)), "state": .string(state),
            "worker": worker.map { .int(Int64($0)) } ?? .null, "pid": pid.map { .int(Int64($0)) } ?? .null,
            "framesDone": .int(Int64(framesDone)), "reason": reason.map(JSONValue.string) ?? .null,
            "startedAt": startedAt.map(ServeJSON.time) ?? .null, "endedAt": endedAt.map(ServeJSON.time) ?? .null,
            "updatedAt": ServeJSON.time(updatedAt),
            "duration": duration,
            "logPath": logPath.map(JSONValue.string) ?? .null,
            "log": logPath == nil ? .null : .string("/api/v1/frames/\(renderId)/chunks/\(id)/log"),
        ])
    }
}

struct PoolTaskRow: Sendable {
    static let select = """
        SELECT id, pool, ownerPid, label, script, state, attempts, worker, workerPid, error, createdAt, startedAt,
               endedAt, updatedAt
        FROM pool_tasks
        """
    var id: Int64
    var pool: Int
    var ownerPid: Int32
    var label: String
    var script: String
    var state: String
    var attempts: Int
    var worker: Int?
    var workerPid: Int32?
    var error: String?
    var createdAt: Double
    var startedAt: Double?
    var endedAt: Double?
    var updatedAt: Double

    init(_ row: Row) {
        id = row["id"]; pool = row["pool"]; ownerPid = row["ownerPid"]; label = row["label"]; script = row["script"]
        state = row["state"]; attempts = row["attempts"]; worker = row["worker"]; workerPid = row["workerPid"]
        error = row["error"]; createdAt = row["createdAt"]; startedAt = row["startedAt"]; endedAt = row["endedAt"]
        updatedAt = row["updatedAt"]
    }

    func jsonValue() -> JSONValue {
        .object([
            "id": .int(id), "pool": .int(Int64(pool)), "ownerPid": .int(Int64(ownerPid)), "label": .string(label),
            "script": .string(script), "state": .string(state), "attempts": .int(Int64(attempts)),
            "worker": worker.map { .int(Int64($0)) } ?? .null, "workerPid": workerPid.map { .int(Int64($0)) } ?? .null,
            "error": error.map(JSONValue.string) ?? .null, "createdAt": ServeJSON.time(createdAt),
            "startedAt": startedAt.map(ServeJSON.time) ?? .null, "endedAt": endedAt.map(ServeJSON.time) ?? .null,
            "updatedAt": ServeJSON.time(updatedAt),
        ])
    }
}
