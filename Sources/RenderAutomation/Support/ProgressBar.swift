/// A text progress bar: `[█████░░░░░]`, `width` cells between the brackets, filled from the left
/// (a partly done cell counts as empty, so the bar is full only when the work is).
struct ProgressBar: Sendable {
    var width: Int

    init(width: Int = 24) { self.width = width }

    /// The bar for `fraction` (0...1); `empty` draws it with no cell filled (an idle slot).
    func text(_ fraction: Double, empty: Bool = false) -> String {
        let filled = empty ? 0 : max(0, min(width, Int((fraction * Double(width)).rounded(.down))))
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]"
    }
}
