/// Timers of one loop, by deadline (CLOCK_MONOTONIC seconds). A binary heap; cancelled timers
/// are dropped lazily when they reach the top.
struct TimerQueue {
    struct Entry {
        var deadline: Double
        var id: Int
        var action: () -> Void
    }

    private var heap: [Entry] = []
    private var cancelled: Set<Int> = []
    private var nextID = 1
    private(set) var liveCount = 0

    mutating func add(deadline: Double, _ action: @escaping () -> Void) -> Int {
        let id = nextID
        nextID += 1
        heap.append(Entry(deadline: deadline, id: id, action: action))
        siftUp(heap.count - 1)
        liveCount += 1
        return id
    }

    mutating func cancel(_ id: Int) {
        guard heap.contains(where: { $0.id == id }), cancelled.insert(id).inserted else { return }
        liveCount -= 1
    }

    var nextDeadline: Double? {
        mutating get {
            dropCancelled()
            return heap.first?.deadline
        }
    }

    /// Removes and returns the actions of every timer due at `now`.
    mutating func popDue(now: Double) -> [() -> Void] {
        var due: [() -> Void] = []
        while true {
            dropCancelled()
            guard let first = heap.first, first.deadline <= now else { break }
            due.append(removeFirst().action)
            liveCount -= 1
        }
        return due
    }

    private mutating func dropCancelled() {
        while let first = heap.first, cancelled.contains(first.id) {
            cancelled.remove(first.id)
            _ = removeFirst()
        }
    }

    private mutating func removeFirst() -> Entry {
        let first = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count && heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
