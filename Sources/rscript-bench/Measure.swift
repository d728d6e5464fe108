import CBenchBaseline

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a result alive so the optimizer cannot drop the work that made it.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

/// Nanoseconds per iteration of `body(iterations)`, on CLOCK_MONOTONIC. Yields the CPU first,
/// so the timing tends to start on a fresh scheduler slice (fewer rounds cut by preemption).
func nsPerIteration(_ iterations: Int, _ body: (Int) throws -> Void) rethrows -> Double {
    sched_yield()
    let start = cbench_now_ns()
    try body(iterations)
    let end = cbench_now_ns()
    return Double(end - start) / Double(iterations)
}

func median(_ samples: [Double]) -> Double {
    let sorted = samples.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/// Medians of the two sides of one comparison, ns per operation.
struct PairTiming {
    var rscript: Double
    var c: Double
    /// The median of the per-round loop baseline (0 without one).
    var loop: Double
}

/// One warm-up of each body, then `repetitions` rounds. Each round times the loop baseline (if
/// any), the rscript side and the C side back to back, and subtracts that round's baseline from
/// both: on a shared machine, load drifts between rounds, so comparing within a round and then
/// taking the median over rounds is much steadier than timing each side in one long run.
///
/// Rounds are short (`roundNs` of work per side, about a millisecond, iterations calibrated per
/// operation), so few of them straddle a preemption on a busy machine.
func timePair(
    roundNs: Double, repetitions: Int, baseline: ((Int) throws -> Void)? = nil,
    rscript: (Int) throws -> Void, c: (Int) throws -> Void
) throws -> PairTiming {
    // Warm-up, and calibration: the slower side sets the iteration count.
    if let baseline { _ = try nsPerIteration(10_000, baseline) }
    var estimate = 0.0
    for _ in 0..<3 {
        estimate = max(try nsPerIteration(10_000, rscript), try nsPerIteration(10_000, c))
    }
    let iterations = max(1_000, Int(roundNs / max(estimate, 1)))
    var r: [Double] = []
    var k: [Double] = []
    var b: [Double] = []
    for round in 0..<repetitions {
        let loop = try baseline.map { try nsPerIteration(iterations, $0) } ?? 0
        // Alternate which side goes first, so neither always runs right after the baseline.
        let rs: Double
        let cs: Double
        if round % 2 == 0 {
            rs = try nsPerIteration(iterations, rscript)
            cs = try nsPerIteration(iterations, c)
        } else {
            cs = try nsPerIteration(iterations, c)
            rs = try nsPerIteration(iterations, rscript)
        }
        r.append(rs - loop)
        k.append(cs - loop)
        b.append(loop)
    }
    return PairTiming(rscript: median(r), c: median(k), loop: median(b))
}
