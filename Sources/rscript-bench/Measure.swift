import CBenchBaseline

/// Keeps a result alive so the optimizer cannot drop the work that made it.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

/// Nanoseconds per iteration of `body(iterations)`, on CLOCK_MONOTONIC.
func nsPerIteration(_ iterations: Int, _ body: (Int) throws -> Void) rethrows -> Double {
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

/// Medians of the two sides of one comparison (ns per iteration, before any loop subtraction).
struct PairTiming {
    var rscript: Double
    var c: Double
}

/// One warm-up of each side, then `repetitions` rounds, each timing the rscript side then the C
/// side, so drift (frequency scaling, a noisy neighbour) hits both sides alike.
func timePair(
    iterations: Int, repetitions: Int,
    rscript: (Int) throws -> Void, c: (Int) throws -> Void
) rethrows -> PairTiming {
    _ = try nsPerIteration(iterations / 4 + 1, rscript)
    _ = try nsPerIteration(iterations / 4 + 1, c)
    var r: [Double] = []
    var k: [Double] = []
    for _ in 0..<repetitions {
        r.append(try nsPerIteration(iterations, rscript))
        k.append(try nsPerIteration(iterations, c))
    }
    return PairTiming(rscript: median(r), c: median(k))
}

/// Median ns per iteration of one body (for the empty loop that is subtracted).
func timeOne(iterations: Int, repetitions: Int, _ body: (Int) throws -> Void) rethrows -> Double {
    _ = try nsPerIteration(iterations / 4 + 1, body)
    var samples: [Double] = []
    for _ in 0..<repetitions { samples.append(try nsPerIteration(iterations, body)) }
    return median(samples)
}
