import CLuaShim
import LuaBridge

/// Ctrl-C for `rscript run`: the C handler interrupts running Lua code and wakes the loop; at the
/// next turn the runtime stops, runs the stop hooks, and the command exits 130. A second Ctrl-C
/// exits at once.
enum InterruptSignal {
    static func install(runtime: ScriptRuntime) {
        rscript_install_sigint(runtime.state.L, runtime.scheduler.mailbox.wakeFileDescriptor)
        runtime.scheduler.onTurn = { [unowned runtime] in
            if rscript_sigint_count() > 0 { runtime.noteInterrupt() }
        }
    }

    static var received: Bool { rscript_sigint_count() > 0 }
}
