import Dispatch
import LuaBridge

/// Runs blocking work (a file's fsync, a whole-file copy) on a thread pool while the calling
/// task is suspended, so timers and other tasks keep running; the loop hears of the outcome
/// through the mailbox. Where the call cannot suspend (outside a task, or under a C boundary
/// such as a `string.gsub` callback), the work runs in place, as it did before.
enum BlockingWork {
    private static let queue = DispatchQueue(label: "rscript.blocking", qos: .utility, attributes: .concurrent)

    /// Runs `work` and returns what the Swift function must return: its results pushed now
    /// (in place), or `call.suspend()` with the task woken by `results` later. A thrown
    /// `LuaScriptError` becomes the call's error either way.
    static func run(
        _ call: LuaCall, runtime: ScriptRuntime,
        _ work: @escaping @Sendable () throws -> [LuaValue]
    ) throws -> Int32 {
        let scheduler = runtime.scheduler
        guard call.canSuspend, let token = scheduler.suspendCurrentTask() else {
            let values = try work()
            for value in values { try call.push(value) }
            return Int32(values.count)
        }
        let mailbox = scheduler.mailbox
        scheduler.hold()
        queue.async {
            let outcome: Result<[LuaValue], LuaScriptError>
            do {
                outcome = .success(try work())
            } catch let error as LuaScriptError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(LuaScriptError("\(error)"))
            }
            mailbox.post { scheduler in
                scheduler.release()
                switch outcome {
                case .success(let values): scheduler.resolve(token, with: values)
                case .failure(let error): scheduler.resolve(token, raising: error.message)
                }
            }
        }
        return call.suspend()
    }
}
