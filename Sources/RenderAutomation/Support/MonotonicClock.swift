import Glibc

/// Seconds on CLOCK_MONOTONIC: the clock of the scheduler's timers (LuaBridge reads the same
/// one), for durations and deadlines that a change of the wall clock must not move.
enum MonotonicClock {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
