import Foundation
import LuaBridge

/// The regular expressions of `rscript.regexMatch` (ICU syntax, as NSRegularExpression reads
/// it), compiled once per pattern: attribute definitions check every value against theirs.
/// One cache per runtime, confined to its thread as the runtime is.
final class RegexMatch {
    private var compiled: [String: NSRegularExpression] = [:]

    /// Whether `pattern` matches `text` starting at its first character (Python's `re.match`).
    func matches(_ pattern: String, _ text: String) throws -> Bool {
        let expression: NSRegularExpression
        if let known = compiled[pattern] {
            expression = known
        } else {
            do {
                expression = try NSRegularExpression(pattern: pattern)
            } catch {
                throw LuaArgumentError(position: 1, "invalid regular expression '\(pattern)'")
            }
            if compiled.count >= 256 { compiled.removeAll() }
            compiled[pattern] = expression
        }
        let range = NSRange(text.startIndex..., in: text)
        return expression.firstMatch(in: text, options: [.anchored], range: range) != nil
    }
}
