/// Timers of one loop, by deadline (CLOCK_MONOTONIC seconds; equal deadlines in the order they
/// were added). A binary heap that knows where each timer sits, so that a cancel removes it at
/// once in O(log n): a web request's 60 s deadline timer is cancelled when the request ends,
/// and thousands a second must neither be searched for nor held (with the task their action
/// keeps alive) until they would have fired.
struct TimerQueue {
    struct Entry {
        var deadline: Double
        var id: Int
        var action: () -> Void
    }

    private var heap: [Entry] = []
    /// Where each timer is in `heap`, by id.
    private var positions: [Int: Int] = [:]
    private var nextID = 1

    var liveCount: Int { heap.count }

    mutating func add(deadline: Double, _ action: @escaping () -> Void) -> Int {
        let id = nextID
        nextID += 1
        heap.append(Entry(deadline: deadline, id: id, action: action))
        positions[id] = heap.count - 1
        siftUp(heap.count - 1)
        return id
    }

    /// Removes the timer `id`; nothing happens if it has fired or was cancelled already.
    mutating func cancel(_ id: Int) {
        guard let index = positions[id] else { return }
        remove(at: index)
    }

    var nextDeadline: Double? { heap.first?.deadline }

    /// Removes and returns the actions of every timer due at `now`.
    mutating func popDue(now: Double) -> [() -> Void] {
        var due: [() -> Void] = []
        while let first = heap.first, first.deadline <= now {
            due.append(remove(at: 0).action)
        }
        return due
    }

    @discardableResult
    private mutating func remove(at index: Int) -> Entry {
        let removed = heap[index]
        positions[removed.id] = nil
        let last = heap.removeLast()
        if index < heap.count {
            heap[index] = last
            positions[last.id] = index
            siftDown(siftUp(index))
        }
        return removed
    }

    private func before(_ a: Int, _ b: Int) -> Bool {
        heap[a].deadline < heap[b].deadline || (heap[a].deadline == heap[b].deadline && heap[a].id < heap[b].id)
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        positions[heap[a].id] = a
        positions[heap[b].id] = b
    }

    /// Moves the entry at `index` up to its place; returns where it ended.
    @discardableResult
    private mutating func siftUp(_ index: Int) -> Int {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(child, parent) else { break }
            swap(child, parent)
            child = parent
        }
        return child
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && before(left, smallest) { smallest = left }
            if right < heap.count && before(right, smallest) { smallest = right }
            if smallest == parent { return }
            swap(parent, smallest)
            parent = smallest
        }
    }
}
