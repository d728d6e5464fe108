import Foundation

/// Every way rscript writes a number of seconds for people, in one place. Each style has one
/// use, and the outputs are what scripts and tests already read:
/// - `exact`: a time someone configured, quoted back in a message ("timed out after 0.5 s").
/// - `short`: a column of durations in a table ("4.2s", "3m07s", "2h05m").
/// - `tenths`: a clock that ticks on a live status line ("12.3 s").
/// - `twoDigits`: a measured time per item, precise for short ones ("0.52 s", "12 s").
/// - `clock`: an estimate of time left ("1:05", "2:03:04"), rounded up.
public enum SecondsText {
    /// Whole seconds without a fraction, others as they are; a huge or non-finite value prints
    /// as it is (converting it to Int would trap).
    public static func exact(_ seconds: Double) -> String {
        abs(seconds) < 1e15 && seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    /// `4.2s` under a minute, `3m07s` under an hour, `2h05m` beyond; negative counts as 0.
    public static func short(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 60 { return String(format: "%.1fs", s) }
        let whole = Int(s.rounded(.down))
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }

    /// Rounded to tenths: `0.5 s`, `12.0 s`.
    public static func tenths(_ seconds: Double) -> String {
        "\((seconds * 10).rounded() / 10) s"
    }

    /// Two decimals below ten seconds (`0.52 s`), whole seconds from ten (`12 s`).
    public static func twoDigits(_ seconds: Double) -> String {
        seconds >= 10 ? "\(Int(seconds.rounded())) s" : "\((seconds * 100).rounded() / 100) s"
    }

    /// `m:ss`, or `h:mm:ss` from an hour; rounded up, so that an estimate never shows 0:00 early.
    public static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let s = total % 60
        let m = (total / 60) % 60
        let h = total / 3600
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + ss }
        return "\(m):" + ss
    }
}
