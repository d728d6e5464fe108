import CProcess
import LuaBridge

/// Ctrl-C for `rscript run`: the C handler interrupts running Lua code and wakes the loop; at the
/// next turn the runtime stops, runs the stop hooks, and the command exits 130. A second Ctrl-C
/// exits at once, and so does a first one that no hook and no loop turn answers within 2 s
/// (a looping __gc finalizer): both SIGKILL the children's process groups first.
enum InterruptSignal {
    static func install(runtime: ScriptRuntime) {
        LuaInterruptHandler.install(on: runtime.state, waking: runtime.scheduler.mailbox.wakeFileDescriptor,
                                    emergencyCleanup: rscript_kill_live_children)
        runtime.scheduler.onTurn = { [unowned runtime] in
            if LuaInterruptHandler.count > 0 {
                LuaInterruptHandler.acknowledge()  // the loop turned: the watchdog can stand down
                runtime.noteInterrupt()
            }
        }
    }

    static var received: Bool { LuaInterruptHandler.count > 0 }
}
