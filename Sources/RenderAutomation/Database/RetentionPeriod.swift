import Foundation
import Synchronization

/// How long ended work is kept in the database: `30d`, `12h`, `90m`, `45s`, `2w` (a number and
/// one unit). The setting is `RSCRIPT_RETENTION` (unset, empty, `never` or `off`: kept forever);
/// `rscript gallery prune --older-than` gives one for a single run.
public struct RetentionPeriod: Sendable, Equatable, CustomStringConvertible {
    public let seconds: Double
    /// As the user wrote it.
    public let text: String

    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]

    /// Parses `30d` and the like; nil for anything else (no unit, a negative number, NaN).
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let unit = trimmed.last, let scale = Self.units[unit],
              let number = Double(trimmed.dropLast()), number.isFinite, number >= 0,
              trimmed.dropLast().allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        seconds = number * scale
        self.text = trimmed
    }

    public var description: String { text }

    public static let environmentKey = "RSCRIPT_RETENTION"
    static let explanation = "a number and a unit: s, m, h, d or w (for example 30d)"

    /// The `RSCRIPT_RETENTION` setting: nil when unset or switched off; throws for a value that
    /// is not a period.
    public static func configured() throws -> RetentionPeriod? {
        guard let value = Environment.get(environmentKey)?.trimmingCharacters(in: .whitespaces),
              !value.isEmpty, !["never", "off"].contains(value.lowercased()) else { return nil }
        guard let period = RetentionPeriod(value) else {
            throw GalleryError(.invalidArgument, path: "", message: "\(environmentKey)=\(value) is not a retention period: \(explanation)")
        }
        return period
    }

    private static let applied = Mutex<Set<String>>([])

    /// Applies the `RSCRIPT_RETENTION` setting to the database at `path`, once per process (the
    /// first time rscript opens it for writing): removes what ended longer ago than the period,
    /// as `rscript gallery prune` does. Failures are reported on standard error, never thrown:
    /// the work that opened the database goes on.
    static func applyConfigured(path: String) {
        guard Environment.get(environmentKey) != nil else { return }
        guard applied.withLock({ $0.insert(path).inserted }) else { return }
        do {
            guard let period = try configured() else { return }
            _ = try DatabasePrune.prune(path: path, olderThan: period)
        } catch {
            StandardError.write("rscript: retention (\(environmentKey)) not applied to \(path): \(error)\n")
        }
    }
}
