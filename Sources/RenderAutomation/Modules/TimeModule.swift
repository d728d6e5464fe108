import CLuaShim
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
                call.push(rscript_monotonic())
                return 1
            }),
            ("sleep", { [unowned runtime] call in
                let seconds = try call.number(1)
                guard seconds.isFinite, seconds >= 0 else {
                    throw LuaArgumentError(position: 1, "non-negative finite number expected, got \(seconds)")
                }
                guard runtime.scheduler.currentTask != nil, call.canSuspend else {
                    // Outside a task (a stop hook called from a C boundary): wait in place.
                    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
                    var remaining = timespec()
                    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
                    return 0
                }
                runtime.scheduler.sleepCurrentTask(seconds)
                return call.suspend()
            }),
        ])
    }
}
