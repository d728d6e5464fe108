import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How `rscript gallery` shows renders to people: times, durations, percentages, the list
/// table, the `show` page and the `watch` line. Pure functions of snapshots (tested directly).
public enum GalleryFormat {
    /// `2025-06-01 14:03:22` in the local time zone (`withMilliseconds`: `14:03:22.120`).
    public static func localTime(_ date: Date, withMilliseconds: Bool = false) -> String {
        let (whole, milliseconds) = split(date, roundingToMilliseconds: withMilliseconds)
        var seconds = whole
        var parts = tm()
        localtime_r(&seconds, &parts)
        var text = format(parts, "%Y-%m-%d %H:%M:%S")
        if withMilliseconds { text += String(format: ".%03d", milliseconds) }
        return text
    }

    /// `2025-06-01T12:03:22.120Z`: ISO 8601 in UTC with milliseconds (the JSON form).
    public static func isoTime(_ date: Date) -> String {
        var (seconds, milliseconds) = split(date, roundingToMilliseconds: true)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return format(parts, "%Y-%m-%dT%H:%M:%S") + String(format: ".%03dZ", milliseconds)
    }

    /// Whole seconds and milliseconds, rounded to the nearest millisecond (so 2.1 s stays
    /// `.100`), or truncated to the second when milliseconds are not shown.
    private static func split(_ date: Date, roundingToMilliseconds: Bool) -> (time_t, Int32) {
        let t = date.timeIntervalSince1970
        guard roundingToMilliseconds else { return (time_t(t.rounded(.down)), 0) }
        let total = (t * 1000).rounded()
        let seconds = (total / 1000).rounded(.down)
        return (time_t(seconds), Int32(total - seconds * 1000))
    }

    private static func format(_ parts: tm, _ pattern: String) -> String {
        var parts = parts
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `42%`, `42.5%`, or `-` when unknown.
    public static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value == value.rounded() { return String(format: "%.0f%%", value) }
        return String(format: "%.1f%%", value)
    }

    // MARK: list

    /// The `gallery list` table: a header and one line per render (newest first, as given).
    public static func table(_ renders: [RenderSnapshot], now: Date = Date()) -> String {
        let header = ["ID", "STATE", "LABEL", "SCENE", "PERCENT", "STARTED", "DURATION"]
        let rows = renders.map { r in
            [String(r.id), r.displayState, r.label, r.scene, percent(r.percentDone), localTime(r.startedAt),
             SecondsText.short(r.duration(now: now))]
        }
        let rightAligned: Set<Int> = [0, 4, 6]
        return GalleryFormat.columns(header: header, rows: rows, rightAligned: rightAligned)
    }

    /// Lays out a table: columns as wide as their widest cell, two spaces apart, the columns in
    /// `rightAligned` aligned right, the last column not padded.
    static func columns(header: [String], rows: [[String]], rightAligned: Set<Int>) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                if i > 0 { text += "  " }
                text += rightAligned.contains(i) ? pad + cell : (i == cells.count - 1 ? cell : cell + pad)
            }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    // MARK: show

    /// The `gallery show` page: every field, the image history, the metadata sorted by key.
    public static func page(_ r: RenderSnapshot, now: Date = Date()) -> String {
        var fields: [(String, String)] = [
            ("id", String(r.id)),
            ("label", r.label),
            ("renderer", r.renderer),
            ("scene", r.scene),
            ("state", r.displayState),
            ("percent", percent(r.percentDone)),
            ("started", localTime(r.startedAt)),
            ("ended", r.endedAt.map { localTime($0) } ?? "-"),
            ("duration", SecondsText.short(r.duration(now: now))),
            ("updated", localTime(r.updatedAt, withMilliseconds: true)),
            ("pid", r.pid.map { String($0) } ?? "-"),
            ("log", r.logPath ?? "-"),
            ("work dir", r.workDir ?? "-"),
            ("options", r.options.jsonText),
        ]
        if let error = r.error {
            fields.append(("error", error.message))
            if let traceback = error.traceback, !traceback.isEmpty { fields.append(("traceback", traceback)) }
        }
        var lines = aligned(fields, indent: "")
        lines.append("")
        lines.append("images (\(r.imageCount)):")
        if r.imagePaths.isEmpty { lines.append("  (none)") }
        if r.imagePaths.count < r.imageCount { lines.append("  ... \(r.imageCount - r.imagePaths.count) earlier") }
        for image in r.imagePaths {
            lines.append("  " + localTime(image.time, withMilliseconds: true) + "  " + image.path)
        }
        lines.append("")
        lines.append("metadata:")
        if r.metadata.isEmpty { lines.append("  (none)") }
        lines += aligned(r.metadata.keys.sorted().map { ($0, r.metadata[$0]!.jsonText) }, indent: "  ")
        return lines.joined(separator: "\n")
    }

    /// `key  value` lines, values aligned; a multi-line value continues under its first line.
    static func aligned(_ fields: [(String, String)], indent: String) -> [String] {
        let width = fields.map(\.0.count).max() ?? 0
        var lines: [String] = []
        for (key, value) in fields {
            let pad = String(repeating: " ", count: width - key.count + 2)
            let continuation = "\n" + indent + String(repeating: " ", count: width + 2)
            lines.append(indent + key + pad + value.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: continuation))
        }
        return lines
    }

    // MARK: watch

    /// The `gallery watch` line: `state  percent  latest image` (the image only when there is one).
    public static func watchLine(_ r: RenderSnapshot) -> String {
        var parts = [r.displayState, percent(r.percentDone)]
        if let image = r.latestImage { parts.append(image.path) }
        return parts.joined(separator: "  ")
    }
}
