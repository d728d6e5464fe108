import Synchronization

/// A row id known once a `DatabaseWriter` inserted the row; read on the writer's thread only
/// after (later writes of the same writer run after the insert, so they see it).
final class DatabaseRowID: Sendable {
    private let id = Mutex<Int64?>(nil)
    var value: Int64? { id.withLock { $0 } }
    func set(_ value: Int64) { id.withLock { $0 = value } }
}
