/// Timers of one loop, by deadline (CLOCK_MONOTONIC seconds; equal deadlines in the order they
/// were added). A cancel lets go of the timer's action at once, in O(1): a web request's 60 s
/// deadline timer is cancelled when the request ends, and thousands a second must neither be
/// searched for nor hold the task their action keeps alive until they would have fired.
///
/// How: a binary heap of plain (deadline, id) slots beside a dictionary of the live actions. A
/// cancel removes the action and leaves its slot behind as a tombstone, skipped when it reaches
/// the top; the heap is rebuilt without them once they outnumber the live timers, so it holds
/// at most about twice as many slots as timers. Why not a heap that knows where each entry
/// is (as before): each swap of a sift then updated that index, two dictionary writes per
/// level; with 500 renders polled each second, sifting was a tenth of the runtime's CPU.
struct TimerQueue {
    struct Slot {
        var deadline: Double
        var id: Int
    }

    private var heap: [Slot] = []
    /// The live timers' actions, by id.
    private var actions: [Int: () -> Void] = [:]
    /// Slots in `heap` whose timer was cancelled.
    private var tombstones = 0
    private var nextID = 1

    var liveCount: Int { actions.count }
    /// Slots in the heap, tombstones included (for tests: it stays within about twice `liveCount`).
    var slotCount: Int { heap.count }

    mutating func add(deadline: Double, _ action: @escaping () -> Void) -> Int {
        let id = nextID
        nextID += 1
        actions[id] = action
        heap.append(Slot(deadline: deadline, id: id))
        siftUp(heap.count - 1)
        return id
    }

    /// Removes the timer `id`; nothing happens if it has fired or was cancelled already.
    mutating func cancel(_ id: Int) {
        guard actions.removeValue(forKey: id) != nil else { return }
        tombstones += 1
        dropDeadTop()
        if tombstones > max(64, actions.count) { rebuild() }
    }

    /// The earliest live deadline (the top is never a tombstone).
    var nextDeadline: Double? { heap.first?.deadline }

    /// Removes and returns the actions of every timer due at `now`.
    mutating func popDue(now: Double) -> [() -> Void] {
        var due: [() -> Void] = []
        while let first = heap.first, first.deadline <= now {
            popTop()
            if let action = actions.removeValue(forKey: first.id) { due.append(action) } else { tombstones -= 1 }
        }
        dropDeadTop()
        return due
    }

    /// Keeps the top live, so `nextDeadline` is a live timer's.
    private mutating func dropDeadTop() {
        while let first = heap.first, actions[first.id] == nil {
            popTop()
            tombstones -= 1
        }
    }

    /// Drops the tombstones: a sorted array is a heap.
    private mutating func rebuild() {
        heap.removeAll { actions[$0.id] == nil }
        heap.sort { Self.before($0, $1) }
        tombstones = 0
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    private static func before(_ a: Slot, _ b: Slot) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
    }

    private mutating func siftUp(_ index: Int) {
        let slot = heap[index]
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(slot, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = slot
    }

    private mutating func siftDown(_ index: Int) {
        let slot = heap[index]
        let count = heap.count
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            guard left < count else { break }
            let child = right < count && Self.before(heap[right], heap[left]) ? right : left
            guard Self.before(heap[child], slot) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = slot
    }
}
