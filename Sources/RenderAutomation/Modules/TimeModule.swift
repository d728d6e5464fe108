import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// `require("rscript.time")`: `now()` (seconds since the epoch, float), `monotonic()` (seconds
/// from an arbitrary start, never going back), `sleep(seconds)` (suspends the calling task; other
/// tasks run meanwhile).
enum TimeModule: RuntimeModule {
    static let name = "rscript.time"

    static func open(in runtime: ScriptRuntime) {
        runtime.state.pushModule("time", functions: [
            ("now", { call in
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                call.push(Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9)
                return 1
            }),
            ("monotonic", { call in
                call.push(MonotonicClock.now())
                return 1
            }),
            ("sleep", { [unowned runtime] call in
                let seconds = try call.seconds(1)
                guard runtime.scheduler.currentTask != nil, call.canSuspend else {
                    // Outside a task (a stop hook, a string.gsub callback): wait in place. Ctrl-C
                    // ends the wait; the interrupt then stops the script at its next instruction.
                    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
                    var remaining = timespec()
                    let interrupts = LuaInterruptHandler.count
                    while nanosleep(&request, &remaining) != 0 && errno == EINTR {
                        if LuaInterruptHandler.count != interrupts { break }
                        request = remaining
                    }
                    return 0
                }
                runtime.scheduler.sleepCurrentTask(seconds)
                return call.suspend()
            }),
        ])
    }
}
