/// A list of frames as users write it on the command line: `1-240`, `1-240x2` (every second
/// frame), `1,5,10-20`, `7`. Items are separated by commas; spaces around them are ignored.
///
/// The frames keep the order they are written in; a frame named twice keeps its first place
/// (`1-10,5` is 1...10 once). Each frame remembers the step of the item it came from, so that
/// chunking merges only frames that follow each other in that item's rhythm.
public struct FrameSpec: Sendable, Equatable, CustomStringConvertible {
    /// One item of the spec: `first-last` every `step` frames (a single frame has step 1).
    public struct Item: Sendable, Equatable {
        public var first: Int
        public var last: Int
        public var step: Int
    }

    /// The most frames one spec may name (a typo like `1-10000000` is refused, not rendered).
    public static let maximumFrames = 1_000_000
    /// The largest frame number (Blender stops at 1,048,574; POV-Ray has no limit worth using).
    public static let maximumFrame = 9_999_999

    public let text: String
    public let items: [Item]
    /// The frames in order, each once.
    public let frames: [Int]
    /// For each frame (same index), the step of the item that named it first.
    public let steps: [Int]

    public var description: String { text }
    /// The smallest and the largest frame (the animation's span: POV-Ray's clock runs over it).
    public var span: (first: Int, last: Int) { (frames.min() ?? 0, frames.max() ?? 0) }

    /// Parses a spec. Throws `FrameSpecError` naming the bad item: a backward range (`10-1`),
    /// something that is not a number (`a-b`), a step that is not positive (`1-10x0`), a
    /// negative frame, an empty spec or item, or more than `maximumFrames` frames.
    public init(parsing text: String) throws(FrameSpecError) {
        self.text = text
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw FrameSpecError("the frame list is empty (examples: 1-240, 1-240x2, 1,5,10-20)") }
        var items: [Item] = []
        for raw in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            items.append(try Self.parseItem(String(raw).trimmingSpaces, in: trimmed))
        }
        var seen = Set<Int>()
        var frames: [Int] = []
        var steps: [Int] = []
        for item in items {
            for frame in stride(from: item.first, through: item.last, by: item.step) where seen.insert(frame).inserted {
                frames.append(frame)
                steps.append(item.step)
                if frames.count > Self.maximumFrames {
                    throw FrameSpecError("'\(trimmed)' names more than \(Self.maximumFrames) frames")
                }
            }
        }
        self.items = items
        self.frames = frames
        self.steps = steps
    }

    private static func parseItem(_ item: String, in spec: String) throws(FrameSpecError) -> Item {
        let shape = "expected N, FIRST-LAST or FIRST-LASTxSTEP, e.g. 1-240x2"
        guard !item.isEmpty else { throw FrameSpecError("empty item in frame list '\(spec)' (two commas in a row, or one at an end)") }
        if item.hasPrefix("-") {
            throw FrameSpecError("frame numbers cannot be negative: '\(item)' in '\(spec)'")
        }
        // FIRST-LAST[xSTEP]
        var rangePart = Substring(item)
        var stepText: Substring?
        if let x = item.firstIndex(where: { $0 == "x" || $0 == "X" }) {
            rangePart = item[..<x]
            stepText = item[item.index(after: x)...]
        }
        let bounds = rangePart.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count <= 2, bounds.allSatisfy({ Int($0.trimmingSpaces) != nil }) else {
            if bounds.count == 3 && bounds[1].isEmpty {
                throw FrameSpecError("frame numbers cannot be negative: '\(item)' in '\(spec)'")
            }
            throw FrameSpecError("'\(item)' is not a frame or a range of frames (\(shape))")
        }
        let first = Int(bounds[0].trimmingSpaces)!
        let last = bounds.count == 2 ? Int(bounds[1].trimmingSpaces)! : first
        var step = 1
        if let stepText {
            guard bounds.count == 2 else {
                throw FrameSpecError("'\(item)': a step needs a range (\(shape))")
            }
            let stepValue = stepText.trimmingSpaces
            guard let value = Int(stepValue) else {
                throw FrameSpecError("'\(item)': the step '\(stepValue)' is not a whole number (\(shape))")
            }
            guard value > 0 else {
                throw FrameSpecError("'\(item)': the step must be 1 or more, got \(value)")
            }
            step = value
        }
        guard first <= maximumFrame, last <= maximumFrame else {
            throw FrameSpecError("'\(item)': frame numbers go up to \(maximumFrame)")
        }
        guard last >= first else {
            throw FrameSpecError("'\(item)' runs backwards: write \(last)-\(first)\(stepText.map { "x" + $0 } ?? "") (a range goes up)")
        }
        guard (last - first) / step < maximumFrames else {
            throw FrameSpecError("'\(item)' names more than \(maximumFrames) frames")
        }
        return Item(first: first, last: last, step: min(step, last - first + 1))
    }
}

/// A frame spec that cannot be read; the message names the bad item and how to write it.
public struct FrameSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { "bad frame list: \(message)" }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
