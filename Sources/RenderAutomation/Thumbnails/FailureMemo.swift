import Synchronization

/// The images libvips could not read, by key, so a web page asking again and again for a broken
/// frame gets its placeholder at once instead of another failed decode. A fixed (re-rendered)
/// image has a new mtime, so a new key, and is tried afresh.
final class FailureMemo: Sendable {
    static let shared = FailureMemo()

    /// Enough for every broken frame of a large gallery; forgotten all at once beyond that.
    private static let capacity = 4096
    private let reasons = Mutex<[ThumbnailKey: String]>([:])

    func reason(for key: ThumbnailKey) -> String? {
        reasons.withLock { $0[key] }
    }

    func remember(_ reason: String, for key: ThumbnailKey) {
        reasons.withLock { reasons in
            if reasons.count >= Self.capacity { reasons.removeAll() }
            reasons[key] = reason
        }
    }
}
