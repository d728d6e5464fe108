import Foundation

/// The API's JSON for renders and jobs: the `--json` forms the CLI prints, plus the URLs the page
/// follows (so it never builds one itself).
enum ServeJSON {
    static func time(_ seconds: Double) -> JSONValue { .string(GalleryFormat.isoTime(Date(timeIntervalSince1970: seconds))) }
    static func seconds(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }

    /// A render; `latest` keeps only the newest image in `imagePaths` (lists, events).
    static func render(_ snapshot: RenderSnapshot, now: Date = Date()) -> JSONValue {
        guard case .object(var object) = snapshot.jsonValue(now: now) else { return .null }
        let hasImage = snapshot.latestImage != nil
        object["image"] = hasImage ? .string("/api/v1/renders/\(snapshot.id)/image?v=\(snapshot.imageCount)") : .null
        object["thumbnail"] = hasImage ? .string("/api/v1/renders/\(snapshot.id)/thumbnail?v=\(snapshot.imageCount)") : .null
        object["log"] = snapshot.logPath == nil ? .null : .string("/api/v1/renders/\(snapshot.id)/log")
        return .object(object)
    }

    static func job(_ record: JobRecord, now: Date = Date()) -> JSONValue {
        guard case .object(var object) = record.jsonValue(now: now) else { return .null }
        object["log"] = record.logPath == nil ? .null : .string("/api/v1/jobs/\(record.id)/log")
        return .object(object)
    }

    static func error(_ message: String) -> JSONValue { .object(["error": .string(message)]) }
}
